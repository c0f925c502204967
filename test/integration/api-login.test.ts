import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, errorCode, errorMessage } from '../helpers/api-client.js';
import { apiManagersToml } from '../helpers/api-config.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';
import { ManualClock } from '../../src/util/clock.js';
import type { Gateway } from '../../src/server/gateway.js';

interface LoginBody {
  token: string;
  user: string;
  manager: string;
  expires: string;
}

describe('POST /api/login, /api/renew, /api/logout', () => {
  const clock = new ManualClock('2026-11-21T10:00:00Z');
  let config: { dir: string; cleanup: () => void };
  let gateway: Gateway;
  let api: ApiClient;

  before(async () => {
    config = writeConfigDir(apiManagersToml());
    gateway = await startGateway(config.dir, clock);
    api = ApiClient.of(gateway, config.dir);
  });
  after(async () => {
    await gateway.stop();
    config.cleanup();
  });

  it('logs in, opens the session the proxy rule sees, and answers token, user, manager, expires', async () => {
    const answer = await api.call('/api/login', {
      body: { user: 'alice', pass: 'alice-pass' },
      from: '127.0.0.2',
    });
    assert.equal(answer.status, 200, answer.text);
    const body = answer.json as LoginBody;
    assert.equal(body.user, 'alice');
    assert.equal(body.manager, 'sessions');
    // jwtExpiration = 1m is shorter than the 2 h lifetime.
    assert.equal(body.expires, '2026-11-21T10:01:00.000Z');
    assert.equal(gateway.services.sessions.lookup('sessions', '127.0.0.2')?.user, 'alice');
    const status = await api.call('/api/status', { token: body.token, from: '127.0.0.2' });
    assert.equal(status.status, 200, status.text);
    assert.equal((status.json as { user: string }).user, 'alice');
  });

  it('refuses a wrong password, an unknown user and an unknown manager', async () => {
    const wrong = await api.call('/api/login', { body: { user: 'alice', pass: 'nope' }, from: '127.0.0.3' });
    assert.equal(wrong.status, 401);
    assert.equal(errorCode(wrong), 'bad_credentials');
    const unknown = await api.call('/api/login', { body: { user: 'mallory', pass: 'x' }, from: '127.0.0.3' });
    assert.equal(unknown.status, 401);
    assert.equal(errorCode(unknown), 'bad_credentials');
    assert.equal(gateway.services.sessions.lookup('sessions', '127.0.0.3'), undefined);
    const manager = await api.call('/api/login', {
      body: { user: 'alice', pass: 'alice-pass', manager: 'nosuch' },
      from: '127.0.0.3',
    });
    assert.equal(manager.status, 404);
    assert.match(errorMessage(manager), /no sessionIPM named "nosuch" \(there is: sessions\)/u);
  });

  it('answers 400 for missing fields, wrong types, bad JSON; 415 for other types; 413 for big bodies', async () => {
    const cases: [unknown, RegExp][] = [
      [{ pass: 'x' }, /"user" is missing/u],
      [{ user: 'alice' }, /"pass" is missing/u],
      [{ user: 42, pass: 'x' }, /"user" must be a string/u],
      [{ user: 'alice', pass: ['x'] }, /"pass" must be a string/u],
      [{ user: 'alice', pass: 'alice-pass', manager: 7 }, /"manager" must be a string/u],
      [[1, 2], /must be a JSON object/u],
    ];
    for (const [body, message] of cases) {
      const answer = await api.call('/api/login', { body });
      assert.equal(answer.status, 400, `${JSON.stringify(body)}: ${answer.text}`);
      assert.equal(errorCode(answer), 'bad_request');
      assert.match(errorMessage(answer), message);
    }
    const broken = await api.call('/api/login', { raw: '{"user": "alice",' });
    assert.equal(broken.status, 400);
    assert.equal(errorCode(broken), 'bad_request');
    const form = await api.call('/api/login', {
      raw: 'user=alice&pass=x',
      contentType: 'application/x-www-form-urlencoded',
    });
    assert.equal(form.status, 415);
    assert.equal(errorCode(form), 'unsupported_media_type');
    const big = await api.call('/api/login', { body: { user: 'alice', pass: 'x'.repeat(64 * 1024) } });
    assert.equal(big.status, 413);
    assert.equal(errorCode(big), 'too_large');
  });

  it('limits failed logins per address with 429 and Retry-After, before checking any password', async () => {
    const from = '127.0.0.9';
    for (let i = 0; i < 10; i++) {
      const answer = await api.call('/api/login', { body: { user: 'bob', pass: `guess${i}` }, from });
      assert.equal(answer.status, 401);
    }
    const limited = await api.call('/api/login', { body: { user: 'bob', pass: 'bob-pass' }, from });
    assert.equal(limited.status, 429, limited.text);
    assert.equal(errorCode(limited), 'too_many_attempts');
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.equal(gateway.services.sessions.lookup('sessions', from), undefined);
    // Another address is not held back by this one's failures.
    const other = await api.call('/api/login', {
      body: { user: 'bob', pass: 'bob-pass' },
      from: '127.0.0.10',
    });
    assert.equal(other.status, 200);
  });

  it('refuses requests without a token, with a forged one, or from another address', async () => {
    const none = await api.call('/api/status');
    assert.equal(none.status, 401);
    assert.equal(errorCode(none), 'no_token');
    const token = await api.login('alice', 'alice-pass', '127.0.0.4');
    const [head, , signature] = token.split('.');
    const forgedClaims = Buffer.from(
      JSON.stringify({ sub: 'admin', mgr: 'sessions', ip: '127.0.0.4', jti: 'x', exp: 4e9 }),
    ).toString('base64url');
    const forged = await api.call('/api/status', {
      token: `${head}.${forgedClaims}.${signature}`,
      from: '127.0.0.4',
    });
    assert.equal(forged.status, 401);
    assert.equal(errorCode(forged), 'bad_token');
    const elsewhere = await api.call('/api/status', { token, from: '127.0.0.5' });
    assert.equal(elsewhere.status, 401);
    assert.equal(errorCode(elsewhere), 'bad_token');
    const basic = await api.call('/api/status', {
      headers: { authorization: 'Basic YTpi' },
      from: '127.0.0.4',
    });
    assert.equal(basic.status, 401);
  });

  it('an expired token is refused, and renew gives a fresh one while the session lives', async () => {
    const from = '127.0.0.6';
    const token = await api.login('bob', 'bob-pass', from);
    clock.advance(5 * 60_000);
    const expired = await api.call('/api/status', { token, from });
    assert.equal(expired.status, 401);
    assert.equal(errorCode(expired), 'expired_token');
    const renewed = await api.call('/api/renew', { method: 'POST', token, from });
    assert.equal(renewed.status, 200, renewed.text);
    const fresh = (renewed.json as LoginBody).token;
    assert.notEqual(fresh, token);
    assert.equal((await api.call('/api/status', { token: fresh, from })).status, 200);
    // Renewal does not extend the session: after its 2 h lifetime the session, and renewal, are over.
    clock.advance(2 * 3600_000);
    const late = await api.call('/api/renew', { method: 'POST', token: fresh, from });
    assert.equal(late.status, 401);
    assert.equal(errorCode(late), 'session_closed');
  });

  it('logout closes the session: the token stops working and the proxy rule no longer sees it', async () => {
    const from = '127.0.0.7';
    const token = await api.login('alice', 'alice-pass', from);
    const out = await api.call('/api/logout', { method: 'POST', token, from });
    assert.equal(out.status, 204);
    assert.equal(gateway.services.sessions.lookup('sessions', from), undefined);
    const after = await api.call('/api/status', { token, from });
    assert.equal(after.status, 401);
    assert.equal(errorCode(after), 'session_closed');
  });

  it('cookie logins need the CSRF header on changes', async () => {
    const from = '127.0.0.8';
    const login = await api.call('/api/login', { body: { user: 'alice', pass: 'alice-pass' }, from });
    const cookies = ([] as string[]).concat(login.headers['set-cookie'] ?? []);
    const token = /pmproxy_token=([^;]+)/u.exec(cookies.join('\n'))?.[1];
    const csrf = /pmproxy_csrf=([^;]+)/u.exec(cookies.join('\n'))?.[1];
    assert.ok(token !== undefined && csrf !== undefined, cookies.join('\n'));
    assert.match(cookies.find((c) => c.startsWith('pmproxy_token=')) ?? '', /httponly/iu);
    assert.match(cookies.find((c) => c.startsWith('pmproxy_token=')) ?? '', /samesite=strict/iu);
    const cookie = `pmproxy_token=${token}; pmproxy_csrf=${csrf}`;
    const read = await api.call('/api/status', { headers: { cookie }, from });
    assert.equal(read.status, 200);
    const noCsrf = await api.call('/api/logout', { method: 'POST', headers: { cookie }, from });
    assert.equal(noCsrf.status, 403);
    assert.equal(errorCode(noCsrf), 'csrf');
    const wrongCsrf = await api.call('/api/logout', {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': 'guess' },
      from,
    });
    assert.equal(wrongCsrf.status, 403);
    const ok = await api.call('/api/logout', {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf },
      from,
    });
    assert.equal(ok.status, 204);
  });
});

describe('tokens across a restart', () => {
  it('a token issued before a restart still works after it (the key is in the store)', async () => {
    const config = writeConfigDir(apiManagersToml());
    try {
      let gateway = await startGateway(config.dir);
      const token = await ApiClient.of(gateway, config.dir).login('alice', 'alice-pass');
      await gateway.stop();
      gateway = await startGateway(config.dir);
      try {
        const status = await ApiClient.of(gateway, config.dir).call('/api/status', { token });
        assert.equal(status.status, 200, status.text);
      } finally {
        await gateway.stop();
      }
    } finally {
      config.cleanup();
    }
  });
});
