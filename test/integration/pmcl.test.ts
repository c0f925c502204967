import { localTime } from '../../src/util/local-time.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiManagersToml } from '../helpers/api-config.js';
import { startGateway, testServerToml, writeConfigDir } from '../helpers/gateway.js';
import { makeCertificate, startFakeApi } from '../helpers/pmcl-fake-api.js';
import { pmclHome, runPmclChild } from '../helpers/pmcl.js';
import { statePath } from '../../src/cli/pmcl/state.js';
import { ManualClock } from '../../src/util/clock.js';
import type { Gateway } from '../../src/server/gateway.js';

interface StateFile {
  server?: string;
  session?: { token: string; user: string };
  trust: Record<string, { pin?: string }>;
}

/** The real pmcl (a child process, no terminal) against a real gateway, as a user would run both. */
describe('pmcl against a running gateway', () => {
  const clock = new ManualClock('2026-11-21T10:00:00Z');
  let config: { dir: string; cleanup: () => void };
  let gateway: Gateway;
  let url: string;
  let fingerprint: string;
  // alice's machine and the admin's: separate state; both on 127.0.0.1, as the proxy sees them.
  const alice = pmclHome();
  const admin = pmclHome();
  const state = (home: typeof alice) => JSON.parse(readFileSync(statePath(home.env), 'utf8')) as StateFile;
  const session = (ip: string) => gateway.services.sessions.lookup('sessions', ip);

  before(async () => {
    config = writeConfigDir(apiManagersToml());
    gateway = await startGateway(config.dir, clock);
    url = gateway.web.url;
    fingerprint = gateway.web.fingerprint;
  });
  after(async () => {
    await gateway.stop();
    config.cleanup();
    alice.cleanup();
    admin.cleanup();
  });

  it('answers usage errors with status 2 and help with 0', async () => {
    const none = await runPmclChild([], alice.env);
    assert.equal(none.code, 2);
    const bogus = await runPmclChild(['frobnicate'], alice.env);
    assert.equal(bogus.code, 2);
    assert.match(bogus.stderr, /^pmcl: unknown command "frobnicate"\nusage: pmcl/u);
    const noServer = await runPmclChild(['d'], alice.env);
    assert.equal(noServer.code, 2);
    assert.match(noServer.stderr, /--server https:\/\/host:port/u);
    const help = await runPmclChild(['--help'], alice.env);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--pin SHA256/u);
  });

  it('discovers before login only once the certificate is trusted', async () => {
    const untrusted = await runPmclChild(['d', '--server', url], alice.env);
    assert.equal(untrusted.code, 1);
    assert.ok(untrusted.stderr.includes(fingerprint), untrusted.stderr);
    assert.match(untrusted.stderr, /pass --pin <fingerprint>/u);

    const plain = fingerprint.replaceAll(':', '').toLowerCase();
    const d = await runPmclChild(['d', '--server', url, '--pin', plain], alice.env);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(d.stdout, 'Match result: false\n[❌] sessions:sessionIPM (no session for 127.0.0.1)\n');
    // The Go original's README: `pmcl d https://localhost:4443` before any server is known names
    // the server, not an address to judge.
    const seed = await runPmclChild(['d', url], alice.env);
    assert.equal(seed.code, 0, seed.stderr);
    assert.equal(seed.stdout, 'Match result: false\n[❌] sessions:sessionIPM (no session for 127.0.0.1)\n');
    const json = await runPmclChild(['discover', '--json'], { ...alice.env, PMCL_SERVER: url });
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), {
      result: 'false',
      allow: false,
      managers: [{ name: 'sessions', type: 'sessionIPM', match: false, reason: 'no session for 127.0.0.1' }],
    });
  });

  it('refuses a wrong password with status 1, then logs in with --password-stdin', async () => {
    const wrong = await runPmclChild(['l', url, 'alice', '--password-stdin'], alice.env, { input: 'nope\n' });
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stderr, 'pmcl: wrong user or password\n');
    assert.equal(session('127.0.0.1'), undefined);

    const ok = await runPmclChild(['login', url, 'alice', '--password-stdin'], alice.env, {
      input: 'alice-pass\n',
    });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(
      ok.stdout,
      /^Logged in as alice at https:\/\/127\.0\.0\.1:\d+ \(sessions\) until 2026-11-21T10:01:00\.000Z\n$/u,
    );
    assert.equal(session('127.0.0.1')?.user, 'alice');
    assert.equal(statSync(statePath(alice.env)).mode & 0o777, 0o600);
    const saved = state(alice);
    assert.equal(saved.server, url);
    assert.equal(saved.session?.user, 'alice');
  });

  it('discovers after login', async () => {
    const d = await runPmclChild(['d'], alice.env);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(
      d.stdout,
      'Match result: true\n[✅] sessions:sessionIPM (alice logged in at 127.0.0.1)\n[✅] down:dwnConsR (alice: 0 B of 1.0 KB used)\n',
    );
  });

  it("shows the user's status, in lines and as JSON", async () => {
    gateway.services.consumption.set('down', 'alice', 300);
    const s = await runPmclChild(['s'], alice.env);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(
      s.stdout,
      'User: alice\nName: Alice Liddell\nGroups: students\nQuota: 1.0 KB Consumption: 300 B\n' +
        `Reset: ${localTime('2026-11-22T00:00:00.000Z')}\n`,
    );
    const json = await runPmclChild(['status', '--json'], alice.env);
    const status = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.equal(status['bytesCons'], 300);
    assert.equal(status['isAdmin'], false);
  });

  it('refuses admin commands to a user who is not an admin, with status 1', async () => {
    for (const args of [['lu'], ['r', 'bob'], ['sh', 'down'], ['s', 'bob']]) {
      const r = await runPmclChild(args, alice.env);
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stderr, 'pmcl: alice is not an admin\n', args.join(' '));
    }
    assert.equal(gateway.services.consumption.used('down', 'alice'), 300);
  });

  it('renews an expired token on its own and retries', async () => {
    const before = state(alice).session?.token;
    clock.advance(5 * 60_000);
    const s = await runPmclChild(['s'], alice.env);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /^User: alice\n/u);
    assert.notEqual(state(alice).session?.token, before);
  });

  it('lists sessions, resets to 0 and shows managers for an admin', async () => {
    gateway.services.sessions.open('sessions', 'users', '127.0.0.9', 'bob');
    gateway.services.consumption.set('down', 'bob', 5000);
    const login = await runPmclChild(
      ['l', url, 'admin', '--password-stdin', '--pin', fingerprint],
      admin.env,
      {
        input: 'admin-pass\n',
      },
    );
    assert.equal(login.code, 0, login.stderr);

    const lu = await runPmclChild(['lu'], admin.env);
    assert.equal(lu.code, 0, lu.stderr);
    assert.deepEqual(lu.stdout.trim().split('\n').sort(), ['127.0.0.1 - admin', '127.0.0.9 - bob']);
    const luJson = await runPmclChild(['logged-users', '--json'], admin.env);
    const list = JSON.parse(luJson.stdout) as { ip: string; user: string }[];
    assert.deepEqual(list.map((s) => `${s.ip} ${s.user}`).sort(), ['127.0.0.1 admin', '127.0.0.9 bob']);

    const r = await runPmclChild(['r', 'bob'], admin.env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^User: bob\n.*\nQuota: 1\.0 MB Consumption: 0 B\n/su);
    assert.equal(gateway.services.consumption.used('down', 'bob'), 0, 'reset to 0, not to 1 as the original');

    const sh = await runPmclChild(['sh', 'down'], admin.env);
    assert.equal(sh.code, 0, sh.stderr);
    const shown = JSON.parse(sh.stdout) as { name: string; type: string; settings: Record<string, unknown> };
    assert.equal(shown.name, 'down');
    assert.equal(shown.type, 'dwnConsR');
    assert.equal(shown.settings['userDBN'], 'users');

    const other = await runPmclChild(['s', 'alice', '--json'], admin.env);
    assert.equal(other.code, 0, other.stderr);
    assert.equal((JSON.parse(other.stdout) as { bytesCons: number }).bytesCons, 300);

    const missing = await runPmclChild(['sh', 'nosuch'], admin.env);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'pmcl: no manager "nosuch"\n');
  });

  it("forgets alice's session once the admin's login took her address", async () => {
    const s = await runPmclChild(['s'], alice.env);
    assert.equal(s.code, 1);
    assert.match(s.stderr, /log in again: pmcl login/u);
    assert.equal(state(alice).session, undefined);
  });

  it('logs out', async () => {
    const o = await runPmclChild(['o'], admin.env);
    assert.equal(o.code, 0, o.stderr);
    assert.equal(session('127.0.0.1'), undefined);
    assert.equal(state(admin).session, undefined);
    const s = await runPmclChild(['s'], admin.env);
    assert.equal(s.code, 1);
    assert.match(s.stderr, /not logged in at/u);
  });

  it('refuses a gateway whose certificate changed, and sends an impostor nothing', async () => {
    const port = gateway.web.address().port;
    await gateway.stop();
    // Same address, new certificate: the server makes one when the files are missing.
    rmSync(join(config.dir, 'cert.pem'));
    rmSync(join(config.dir, 'key.pem'));
    writeFileSync(
      join(config.dir, 'server.toml'),
      testServerToml().replace(
        '[api.server]\naddr = "127.0.0.1:0"',
        `[api.server]\naddr = "127.0.0.1:${port}"`,
      ),
    );
    gateway = await startGateway(config.dir, clock);
    assert.equal(gateway.web.address().port, port);
    assert.notEqual(gateway.web.fingerprint, fingerprint);

    for (const home of [alice, admin]) {
      const d = await runPmclChild(['d'], home.env);
      assert.equal(d.code, 1);
      assert.match(d.stderr, /has CHANGED; nothing was sent/u);
      assert.ok(d.stderr.includes(`expected SHA-256 ${fingerprint}`), d.stderr);
      assert.ok(d.stderr.includes(`presented SHA-256 ${gateway.web.fingerprint}`), d.stderr);
      const l = await runPmclChild(['l', url, 'admin', 'admin-pass'], home.env);
      assert.equal(l.code, 1);
      assert.match(l.stderr, /has CHANGED/u);
    }
    assert.equal(session('127.0.0.1'), undefined, 'no login reached the server');

    // A stand-in that records every request, at the same address: it must see none.
    await gateway.stop();
    const impostor = await startFakeApi(await makeCertificate(), () => ({ status: 200, body: {} }), port);
    try {
      const l = await runPmclChild(['l', url, 'admin', '--password-stdin'], admin.env, {
        input: 'admin-pass\n',
      });
      assert.equal(l.code, 1);
      assert.match(l.stderr, /has CHANGED/u);
      assert.equal(impostor.seen.length, 0);
    } finally {
      await impostor.close();
    }

    // The legitimate change, confirmed with the administrator, is accepted by an explicit --pin.
    gateway = await startGateway(config.dir, clock);
    const re = await runPmclChild(['d', '--pin', gateway.web.fingerprint], alice.env);
    assert.equal(re.code, 0, re.stderr);
    assert.equal(state(alice).trust[`127.0.0.1:${port}`]?.pin, gateway.web.fingerprint);
  });
});
