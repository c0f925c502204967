import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFromSources, runPmproxy, spawnServer, type RunningProcess } from '../helpers/gateway.js';
import { copyDefaultConfig, getThroughProxy } from '../helpers/default-config.js';
import { startOrigin } from '../helpers/origin.js';

async function stop(server: RunningProcess): Promise<void> {
  server.child.kill('SIGTERM');
  await server.exited;
}

/** The start-up lines after the proxy's come a moment later: until the one naming the store. */
async function startupLines(server: RunningProcess): Promise<string[]> {
  for (let i = 0; i < 100 && !server.stdout.some((l) => l.startsWith('pmproxy: store ')); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  return server.stdout;
}

/** No expected failure shows where in the code it happened. */
function assertNoStack(output: string): void {
  assert.doesNotMatch(output, /^\s+at /mu, output);
  assert.doesNotMatch(output, /\.ts:\d+/u, output);
}

describe('the embedded default: one user list', () => {
  it('seeds the demo users once; user add applies to the running server; quota show gives live figures', async () => {
    // consumptionInterval 1h: the store lags, so only the running server knows the figures.
    const cfg = copyDefaultConfig('1h');
    const origin = await startOrigin();
    const c = ['--config', cfg.dir];
    try {
      const check = await runPmproxy(['check-config', ...c]);
      assert.equal(check.code, 0, check.stderr);
      assert.match(check.stdout, /valid \(0 warnings\)/u);

      let server = await spawnServer(cfg.dir);
      try {
        assert.ok(
          (await startupLines(server)).some((l) =>
            /added alice \(students\), bob \(staff\), admin \(staff\)/u.test(l),
          ),
          server.stdout.join('\n'),
        );
        assert.equal(
          (await getThroughProxy(server.proxyPort, `${origin.base}/bytes/10`, 'alice', 'alice-demo')).status,
          200,
        );

        const add = await runPmproxy(
          ['user', 'add', 'carol', '--group', 'students', '--password-stdin', ...c],
          {
            input: 'carol-password\n',
          },
        );
        assert.equal(add.code, 0, add.stderr);
        const got = await getThroughProxy(
          server.proxyPort,
          `${origin.base}/bytes/300000`,
          'carol',
          'carol-password',
        );
        assert.equal(got.status, 200);

        const show = await runPmproxy(['quota', 'show', 'carol', '--json', ...c]);
        assert.equal(show.code, 0, show.stderr);
        const [row] = JSON.parse(show.stdout) as { bytesCons: number; quota: string }[];
        assert.ok(row !== undefined && row.bytesCons >= 300000, show.stdout);
        assert.equal(row.quota, '100.0 MB');

        const ls = await runPmproxy(['user', 'ls', '--json', ...c]);
        const users = JSON.parse(ls.stdout) as { name: string; db: string }[];
        assert.deepEqual(
          users.map((u) => `${u.name}@${u.db}`),
          ['admin@users', 'alice@users', 'bob@users', 'carol@users'],
        );

        const del = await runPmproxy(['user', 'del', 'admin', ...c]);
        assert.equal(del.code, 0, del.stderr);
      } finally {
        await stop(server);
      }
      // A second start does not seed again: the deleted admin stays deleted.
      server = await spawnServer(cfg.dir);
      try {
        assert.ok(
          !(await startupLines(server)).some((l) => /first start/u.test(l)),
          server.stdout.join('\n'),
        );
        assert.equal(
          (await getThroughProxy(server.proxyPort, `${origin.base}/bytes/10`, 'admin', 'admin-demo')).status,
          407,
        );
      } finally {
        await stop(server);
      }
    } finally {
      await origin.close();
      cfg.cleanup();
    }
  });

  it('refuses what would be taken silently, and says so in one line', async () => {
    const cfg = copyDefaultConfig();
    const c = ['--config', cfg.dir];
    try {
      const server = await spawnServer(cfg.dir);
      await stop(server);
      const taken = await runPmproxy(['user', 'add', 'alice', '--password-stdin', ...c], {
        input: 'whatever-pass\n',
      });
      assert.equal(taken.code, 1);
      assert.match(taken.stderr, /exists/u);

      const group = await runPmproxy(
        ['user', 'add', 'dave', '--group', 'nosuchgroup', '--password-stdin', ...c],
        {
          input: 'dave-password\n',
        },
      );
      assert.equal(group.code, 0, group.stderr);
      assert.match(group.stderr, /no manager mentions group "nosuchgroup"/u);

      const nobody = await runPmproxy(['quota', 'show', 'nobody', ...c]);
      assert.equal(nobody.code, 1);
      assert.match(nobody.stderr, /no such user "nobody"/u);

      for (const [args, input, expected] of [
        [['user', 'add', 'erin', '--password-stdin', ...c], '', /no password on standard input/u],
        [['quota', 'reset', 'alice', '--manager', 'sessions', ...c], '', /no quota named "sessions"/u],
      ] as const) {
        const r = await runPmproxy([...args], { input });
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, expected);
        assertNoStack(r.stderr);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      }
    } finally {
      cfg.cleanup();
    }
  });

  it('without a configuration, --help and --version: no stack trace', async () => {
    const home = mkdtempSync(join(tmpdir(), 'pmproxy-home-'));
    const env = { PATH: process.env['PATH'] ?? '', HOME: home };
    const ls = await runFromSources('src/cli/pmproxy.ts', ['user', 'ls'], { env });
    assert.equal(ls.code, 78, ls.stderr);
    assert.match(ls.stderr, /managers\.toml: not found in/u);
    assertNoStack(ls.stderr);

    for (const args of [
      ['--help'],
      ['user', '--help'],
      ['quota', 'reset', '--help'],
      ['check-config', '-h'],
    ]) {
      const r = await runPmproxy(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /^usage: pmproxy/u);
    }
    const quotaHelp = await runPmproxy(['quota', 'reset', '--help']);
    assert.doesNotMatch(quotaHelp.stdout, /user add/u);
    for (const script of ['src/cli/pmproxy.ts', 'src/cli/pmcl.ts']) {
      const r = await runFromSources(script, ['--version']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^pm(proxy|cl) \d+\.\d+\.\d+\n$/u);
    }
    const bad = await runPmproxy(['user', '--bogus']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^pmproxy: Unknown option '--bogus'\n/u);
  });
});
