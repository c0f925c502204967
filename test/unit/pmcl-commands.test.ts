import { localTime } from '../../src/util/local-time.js';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { statePath } from '../../src/cli/pmcl/state.js';
import { makeCertificate, startFakeApi, type Route, type SeenRequest } from '../helpers/pmcl-fake-api.js';
import { pmclHome, pmclInProcess } from '../helpers/pmcl.js';

const STATUS = {
  user: 'alice',
  name: 'Alice Demo',
  groups: ['students'],
  manager: 'down',
  quota: '1.0 GB',
  bytesQuota: 1073741824,
  consumption: '12.3 MB',
  bytesCons: 12897484,
  resetAt: '2026-11-22T00:00:00.000Z',
  isAdmin: false,
};
const err = (status: number, code: string, message: string) => ({
  status,
  body: { error: { code, message } },
});

/** A small API: alice/alice-pw, tokens t1, t2…; `expired` tokens need a renew, `closed` ones are gone. */
function fakeApi() {
  let next = 1;
  const expired = new Set<string>();
  const closed = new Set<string>();
  const login = (user: string) => ({
    status: 200,
    body: { token: `t${next++}`, user, manager: 'sessions', expires: '2030-01-01T00:00:00.000Z' },
  });
  const route: Route = (req: SeenRequest) => {
    const token = req.authorization?.replace(/^Bearer /u, '');
    if (req.path === '/api/login') {
      const body = JSON.parse(req.body) as { user: string; pass: string };
      return body.user === 'alice' && body.pass === 'alice-pw'
        ? login('alice')
        : err(401, 'bad_credentials', 'wrong user or password');
    }
    if (token === undefined) return err(401, 'no_token', 'log in first');
    if (closed.has(token)) return err(401, 'session_closed', 'the session was closed');
    if (req.path === '/api/renew') return login('alice');
    if (expired.has(token)) return err(401, 'expired_token', 'the token has expired');
    if (req.path === '/api/status') return { status: 200, body: STATUS };
    if (req.path === '/api/logout') return { status: 204 };
    if (req.path === '/api/sessions') return err(403, 'not_admin', 'alice is not an admin');
    return err(404, 'not_found', `no route ${req.method} ${req.path}`);
  };
  return { route, expired, closed };
}

async function setUp() {
  const cert = await makeCertificate();
  const fake = fakeApi();
  const api = await startFakeApi(cert, fake.route);
  const home = pmclHome();
  const state = () => JSON.parse(readFileSync(statePath(home.env), 'utf8')) as Record<string, unknown>;
  const login = ['l', api.url, 'alice', '--password-stdin', '--pin', cert.fingerprint];
  return {
    api,
    fake,
    home,
    state,
    login,
    close: async () => {
      home.cleanup();
      await api.close();
    },
  };
}

describe('pmcl commands (stand-in API)', () => {
  it('logs in, keeps the token owner-only, shows the status and logs out', async () => {
    const t = await setUp();
    try {
      const r = await pmclInProcess(t.login, t.home.env, { stdin: 'alice-pw' });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stdout,
        `Logged in as alice at ${t.api.url} (sessions) until 2030-01-01T00:00:00.000Z\n`,
      );
      assert.deepEqual(JSON.parse(t.api.seen[0]?.body ?? ''), { user: 'alice', pass: 'alice-pw' });
      assert.equal(statSync(statePath(t.home.env)).mode & 0o777, 0o600);
      assert.equal(t.state()['server'], t.api.url);

      const s = await pmclInProcess(['s'], t.home.env);
      assert.equal(s.code, 0, s.stderr);
      assert.equal(
        s.stdout,
        'User: alice\nName: Alice Demo\nGroups: students\nQuota: 1.0 GB Consumption: 12.3 MB\n' +
          `Reset: ${localTime('2026-11-22T00:00:00.000Z')}\n`,
      );
      assert.equal(t.api.seen.at(-1)?.authorization, 'Bearer t1');
      const json = await pmclInProcess(['status', '--json'], t.home.env);
      assert.deepEqual(JSON.parse(json.stdout), STATUS);

      const o = await pmclInProcess(['o'], t.home.env);
      assert.equal(o.code, 0, o.stderr);
      assert.equal(t.api.seen.at(-1)?.path, '/api/logout');
      assert.equal(t.state()['session'], undefined);
      assert.equal(t.state()['server'], t.api.url, 'the server and its trust are kept');
      const after = await pmclInProcess(['s'], t.home.env);
      assert.equal(after.code, 1);
      assert.match(after.stderr, /not logged in at/u);
    } finally {
      await t.close();
    }
  });

  it('on a terminal, settles trust in the certificate before asking for the password', async () => {
    const t = await setUp();
    try {
      const r = await pmclInProcess(['l', t.api.url, 'alice'], t.home.env, {
        interactive: true,
        answer: 'y',
        stdin: 'alice-pw',
      });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.asked, ['Trust this certificate? [y/N]', 'Password for alice: ']);
      const elsewhere = pmclHome();
      try {
        const no = await pmclInProcess(['l', t.api.url, 'alice'], elsewhere.env, {
          interactive: true,
          answer: 'n',
        });
        assert.equal(no.code, 1);
        assert.deepEqual(
          no.asked,
          ['Trust this certificate? [y/N]'],
          'no password asked for an untrusted server',
        );
      } finally {
        elsewhere.cleanup();
      }
    } finally {
      await t.close();
    }
  });

  it('renews an expired token once and keeps the new one', async () => {
    const t = await setUp();
    try {
      assert.equal((await pmclInProcess(t.login, t.home.env, { stdin: 'alice-pw' })).code, 0);
      t.fake.expired.add('t1');
      const s = await pmclInProcess(['s'], t.home.env);
      assert.equal(s.code, 0, s.stderr);
      assert.deepEqual(
        t.api.seen.slice(-3).map((r) => `${r.path} ${r.authorization ?? ''}`),
        ['/api/status Bearer t1', '/api/renew Bearer t1', '/api/status Bearer t2'],
      );
      assert.equal((t.state()['session'] as { token: string }).token, 't2');
    } finally {
      await t.close();
    }
  });

  it('forgets a session the server closed', async () => {
    const t = await setUp();
    try {
      assert.equal((await pmclInProcess(t.login, t.home.env, { stdin: 'alice-pw' })).code, 0);
      t.fake.closed.add('t1');
      const s = await pmclInProcess(['s'], t.home.env);
      assert.equal(s.code, 1);
      assert.match(
        s.stderr,
        /^pmcl: the session was closed; log in again: pmcl login https:\/\/127\.0\.0\.1:\d+ USER\n$/u,
      );
      assert.equal(t.state()['session'], undefined);
    } finally {
      await t.close();
    }
  });

  it('counts logging out of a session the server closed as logged out', async () => {
    const t = await setUp();
    try {
      assert.equal((await pmclInProcess(t.login, t.home.env, { stdin: 'alice-pw' })).code, 0);
      t.fake.closed.add('t1');
      const o = await pmclInProcess(['o'], t.home.env);
      assert.equal(o.code, 0, o.stderr);
      assert.match(o.stdout, /already ended/u);
    } finally {
      await t.close();
    }
  });

  it('prints API refusals as "pmcl: message" with status 1', async () => {
    const t = await setUp();
    try {
      const bad = await pmclInProcess(t.login, t.home.env, { stdin: 'nope' });
      assert.equal(bad.code, 1);
      assert.equal(bad.stderr, 'pmcl: wrong user or password\n');
      assert.equal(t.state()['session'], undefined);
      assert.equal((await pmclInProcess(t.login, t.home.env, { stdin: 'alice-pw' })).code, 0);
      const lu = await pmclInProcess(['lu'], t.home.env);
      assert.equal(lu.code, 1);
      assert.equal(lu.stderr, 'pmcl: alice is not an admin\n');
    } finally {
      await t.close();
    }
  });

  it('never sends a token to a server other than the one it came from', async () => {
    const t = await setUp();
    const other = await startFakeApi(await makeCertificate(), t.fake.route);
    try {
      assert.equal((await pmclInProcess(t.login, t.home.env, { stdin: 'alice-pw' })).code, 0);
      for (const env of [{ ...t.home.env, PMCL_SERVER: other.url }, t.home.env]) {
        const args = env === t.home.env ? ['s', '--server', other.url] : ['s'];
        const r = await pmclInProcess(args, env);
        assert.equal(r.code, 1);
        assert.match(r.stderr, new RegExp(`not logged in at ${other.url}`, 'u'));
      }
      assert.equal(other.seen.length, 0);
      // discover needs no login and sends no token, even to the server logged in to.
      assert.equal((await pmclInProcess(['d'], t.home.env)).code, 1, 'the stand-in has no discover');
      assert.equal(t.api.seen.at(-1)?.authorization, undefined);
    } finally {
      await other.close();
      await t.close();
    }
  });

  it('wants a password from somewhere, and a server for discover', async () => {
    const home = pmclHome();
    try {
      const noPass = await pmclInProcess(['l', 'https://127.0.0.1:1', 'alice'], home.env);
      assert.equal(noPass.code, 2);
      assert.match(noPass.stderr, /--password-stdin/u);
      const noServer = await pmclInProcess(['d'], home.env);
      assert.equal(noServer.code, 2);
      assert.match(noServer.stderr, /--server https:\/\/host:port, set PMCL_SERVER/u);
      const http = await pmclInProcess(['d', '--server', 'http://127.0.0.1:1'], home.env);
      assert.equal(http.code, 2);
      const help = await pmclInProcess(['help'], home.env);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /^usage: pmcl/u);
    } finally {
      home.cleanup();
    }
  });
});
