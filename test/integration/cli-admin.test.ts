import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runPmproxy, spawnServer, writeConfigDir } from '../helpers/gateway.js';

const MANAGERS = `
rule = "sessions ∧ down"
[sqlDB]
name = "local"
[[sessionIPM]]
name = "sessions"
auth = "local"
[[dwnConsR]]
name = "down"
userDBN = "local"
resetCycle = "24h"
[dwnConsR.groupQuota]
staff = "10 MB"
`;

describe('pmproxy admin commands', () => {
  it('adds a user, opens a session, shows and resets the quota', async () => {
    const cfg = writeConfigDir(MANAGERS);
    try {
      const c = ['--config', cfg.dir];
      const add = await runPmproxy(['user', 'add', 'dave', '--group', 'staff', '--password-stdin', ...c], {
        input: 'dave-password\n',
      });
      assert.equal(add.code, 0, add.stderr);
      const again = await runPmproxy(['user', 'add', 'dave', '--password-stdin', ...c], {
        input: 'dave-password\n',
      });
      assert.equal(again.code, 1);
      assert.match(again.stderr, /exists/u);

      const ls = await runPmproxy(['user', 'ls', '--json', ...c]);
      assert.deepEqual(JSON.parse(ls.stdout), [
        { name: 'dave', displayName: 'dave', groups: ['staff'], db: 'local', kind: 'sqlDB', readOnly: false },
      ]);

      const open = await runPmproxy(['session', 'open', 'dave', '127.0.0.9', ...c]);
      assert.equal(open.code, 0, open.stderr);
      const sessions = await runPmproxy(['session', 'ls', '--json', ...c]);
      const list = JSON.parse(sessions.stdout) as { ip: string; user: string; manager: string }[];
      assert.deepEqual(
        list.map(({ ip, user, manager }) => ({ ip, user, manager })),
        [{ ip: '127.0.0.9', user: 'dave', manager: 'sessions' }],
      );

      const nobody = await runPmproxy(['session', 'open', 'erin', '127.0.0.9', ...c]);
      assert.equal(nobody.code, 1);
      assert.match(nobody.stderr, /no such user "erin"/u);

      const show = await runPmproxy(['quota', 'show', 'dave', '--json', ...c]);
      const [row] = JSON.parse(show.stdout) as { bytesQuota: number; bytesCons: number; quota: string }[];
      assert.equal(row?.bytesQuota, 10 * 1024 * 1024);
      assert.equal(row?.quota, '10.0 MB');
      assert.equal(row?.bytesCons, 0);

      const reset = await runPmproxy(['quota', 'reset', 'dave', ...c]);
      assert.equal(reset.code, 0, reset.stderr);
      assert.match(reset.stdout, /reset to 0 B/u);

      const close = await runPmproxy(['session', 'close', 'dave', ...c]);
      assert.equal(close.code, 0, close.stderr);
      const del = await runPmproxy(['user', 'del', 'dave', ...c]);
      assert.equal(del.code, 0, del.stderr);
    } finally {
      cfg.cleanup();
    }
  });

  it('shows and resets an upload quota of a signing XMPP domain', async () => {
    const managers = `rule = "true"
[[hmacUpload]]
name = "prosody"
domain = "chat.example.org"
[[upQuota]]
name = "room"
resetCycle = "720h"
domainQuota = { "chat.example.org" = "5 GB" }
`;
    const cfg = writeConfigDir(managers, '[files]\nsecret = "a secret long enough to sign"\n');
    try {
      const c = ['--config', cfg.dir, '--manager', 'room'];
      const show = await runPmproxy(['quota', 'show', 'xmpp:chat.example.org', '--json', ...c]);
      assert.equal(show.code, 0, show.stderr);
      const [row] = JSON.parse(show.stdout) as { manager: string; bytesQuota: number; bytesCons: number }[];
      assert.deepEqual(row && [row.manager, row.bytesQuota, row.bytesCons], ['room', 5 * 1024 ** 3, 0]);
      const reset = await runPmproxy(['quota', 'reset', 'xmpp:chat.example.org', ...c]);
      assert.equal(reset.code, 0, reset.stderr);
      assert.equal(reset.stdout, 'room: consumption of xmpp:chat.example.org reset to 0 B\n');
      const unknown = await runPmproxy(['quota', 'show', 'x', '--config', cfg.dir, '--manager', 'nope']);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /no quota named "nope" \(there is: room\)/u);
    } finally {
      cfg.cleanup();
    }
  });

  it('answers an unknown command with the usage and status 2', async () => {
    const r = await runPmproxy(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /usage: pmproxy/u);
  });
});

describe('configuration errors at start', () => {
  it('refuses to start, lists every problem with file and key, and exits 78', async () => {
    const cfg = writeConfigDir(`
rule = "sessions ∧ dwn"
[[sessionIPM]]
name = "sessions"
auth = "nowhere"
colour = "blue"
[[rangeIPM]]
name = "campus"
cidr = "10.0.0.0/33"
`);
    try {
      for (const args of [
        ['--config', cfg.dir],
        ['check-config', '--config', cfg.dir],
      ]) {
        const r = await runPmproxy(args);
        assert.equal(r.code, 78, r.stderr);
        assert.match(r.stderr, /managers\.toml(:\d+)?: sessionIPM\[0\]\.colour: unknown key/u);
        assert.match(r.stderr, /managers\.toml(:\d+)?: rangeIPM\[0\]\.cidr(\[0\])?: .*10\.0\.0\.0\/33/u);
        assert.match(r.stderr, /no manager named "dwn"/u);
        assert.match(r.stderr, /nowhere/u);
      }
    } finally {
      cfg.cleanup();
    }
  });
});

describe("the Go original's README configuration", () => {
  it('loads unchanged', async () => {
    const r = await runPmproxy(['check-config', '--config', join(repoRoot, 'config/pmproxy-seed')]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
  });

  it('starts: makes the missing certificate and falls back to our web pages', async () => {
    const cfg = writeConfigDir('', '');
    try {
      for (const f of ['managers.toml', 'server.toml'])
        copyFileSync(join(repoRoot, 'config/pmproxy-seed', f), join(cfg.dir, f));
      // Only the listen addresses change, so the test stays on loopback port 0.
      const server = join(cfg.dir, 'server.toml');
      writeFileSync(server, readFileSync(server, 'utf8').replaceAll(/addr=":\d+"/gu, 'addr="127.0.0.1:0"'));
      const running = await spawnServer(cfg.dir);
      try {
        assert.ok(existsSync(join(cfg.dir, 'cert.pem')) && existsSync(join(cfg.dir, 'key.pem')));
        assert.ok(
          running.stderr.some((l) => /staticFiles/u.test(l)),
          running.stderr.join('\n'),
        );
      } finally {
        running.child.kill('SIGTERM');
        assert.equal(await running.exited, 0);
      }
    } finally {
      cfg.cleanup();
    }
  });
});
