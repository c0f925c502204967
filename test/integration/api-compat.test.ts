import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type ApiAnswer } from '../helpers/api-client.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';
import { ManualClock } from '../../src/util/clock.js';
import type { Gateway } from '../../src/server/gateway.js';

/** The research note's base configuration of the Go original's tests, in its own spellings. */
const ORIGINAL_CONFIG = `rules = "sessions ∧ down"
admins = ["user0"]
jwtExpiration = "1m"

[mapDB]
name = "map"
[mapDB.userPass]
user0 = "pass0"
user1 = "pass1"
[mapDB.userGroups]
user0 = ["group0"]
user1 = ["group1"]

[[sessionIPM]]
name = "sessions"
auth = "map"

[[dwnConsR]]
name = "down"
userDBN = "map"
resetCycle = "168h"
[dwnConsR.groupQuota]
group0 = "1 KB"
group1 = "512 B"
`;

const USER0 = '127.0.0.2';
const USER1 = '127.0.0.3';

describe('POST /api/cmd (the Go original envelope)', () => {
  const clock = new ManualClock('2026-11-21T10:00:00Z');
  let config: { dir: string; cleanup: () => void };
  let gateway: Gateway;
  let api: ApiClient;
  // The original's clients send JSON without a JSON content type.
  const cmd = (body: unknown, from: string): Promise<ApiAnswer> =>
    api.call('/api/cmd', { raw: JSON.stringify(body), contentType: 'text/plain', from });

  before(async () => {
    config = writeConfigDir(ORIGINAL_CONFIG);
    gateway = await startGateway(config.dir, clock);
    api = ApiClient.of(gateway, config.dir);
  });
  after(async () => {
    await gateway.stop();
    config.cleanup();
  });

  it('discover before and after open (also under the old manager name "resources")', async () => {
    const before = await cmd({ cmd: 'discover', manager: 'rules' }, USER0);
    assert.equal(before.status, 200);
    assert.deepEqual(before.json, {
      matchMng: { sessions: { match: false, type: 'sessionIPM' } },
      result: 'false',
    });
    const open = await cmd(
      { cmd: 'open', manager: 'sessions', cred: { user: 'user0', pass: 'pass0' } },
      USER0,
    );
    assert.equal(open.status, 200, open.text);
    assert.match(open.text, /^[\w-]+\.[\w-]+\.[\w-]+$/u, 'the raw token, no envelope');
    const afterOpen = await cmd({ cmd: 'discover', manager: 'resources' }, USER0);
    assert.deepEqual(afterOpen.json, {
      matchMng: { sessions: { match: true, type: 'sessionIPM' }, down: { match: true, type: 'dwnConsR' } },
      result: 'true',
    });
  });

  it('open with a wrong password, unknown manager/command pairs: 400 with the original error objects', async () => {
    const wrong = await cmd({ cmd: 'open', manager: 'sessions', cred: { user: 'user0', pass: 'x' } }, USER1);
    assert.equal(wrong.status, 400);
    assert.deepEqual(wrong.json, { message: 'Incorrect password' });
    const unrouted = await cmd({ cmd: 'fly', manager: 'sessions' }, USER1);
    assert.deepEqual([unrouted.status, unrouted.json], [400, { Mng: 'sessions', Cmd: 'fly' }]);
    const nobody = await cmd({ cmd: 'get', manager: 'nosuch' }, USER1);
    assert.deepEqual(nobody.json, { Mng: 'nosuch', Cmd: 'get' });
    const empty = await cmd({ cmd: 'check', manager: 'sessions' }, USER1);
    assert.deepEqual(empty.json, { message: 'empty JWT' });
  });

  it('check, get, getOther, set (0 stays 0), show', async () => {
    const token0 = (
      await cmd({ cmd: 'open', manager: 'sessions', cred: { user: 'user0', pass: 'pass0' } }, USER0)
    ).text;
    const token1 = (
      await cmd({ cmd: 'open', manager: 'sessions', cred: { user: 'user1', pass: 'pass1' } }, USER1)
    ).text;
    const check = await cmd({ cmd: 'check', manager: 'sessions', secret: token0 }, USER0);
    assert.deepEqual([check.status, check.text], [200, 'user0']);
    const get = await cmd({ cmd: 'get', manager: 'down', secret: token0 }, USER0);
    assert.deepEqual(get.json, {
      userName: 'user0',
      name: 'user0',
      groups: ['group0'],
      quota: '1024 B',
      bytesQuota: 1024,
      consumption: '0 B',
      bytesCons: 0,
      isAdmin: true,
    });
    const set = await cmd(
      { cmd: 'set', manager: 'down', secret: token0, info: { userName: 'user1', bytesCons: 19 } },
      USER0,
    );
    assert.deepEqual([set.status, set.text], [200, '']);
    const other = await cmd({ cmd: 'get', manager: 'down', secret: token1 }, USER1);
    assert.deepEqual(
      [(other.json as { consumption: string }).consumption, (other.json as { quota: string }).quota],
      ['19 B', '512 B'],
    );
    assert.equal((other.json as { isAdmin: boolean }).isAdmin, false);
    const reset = await cmd(
      { cmd: 'set', manager: 'down', secret: token0, info: { userName: 'user1', bytesCons: 0 } },
      USER0,
    );
    assert.equal(reset.status, 200);
    const seen = await cmd(
      { cmd: 'getOther', manager: 'down', secret: token0, info: { userName: 'user1' } },
      USER0,
    );
    assert.equal((seen.json as { bytesCons: number }).bytesCons, 0);
    const notAdmin = await cmd(
      { cmd: 'set', manager: 'down', secret: token1, info: { userName: 'user1', bytesCons: 0 } },
      USER1,
    );
    assert.deepEqual([notAdmin.status, notAdmin.json], [400, { User: 'user1' }]);
    const show = await cmd({ cmd: 'show', manager: 'down', secret: token1 }, USER1);
    assert.deepEqual(show.json, {
      Name: 'down',
      UserDBN: 'map',
      ResetCycle: 168 * 3600 * 1e9,
      GroupQuota: { group0: '1024 B', group1: '512 B' },
    });
    const users = await cmd({ cmd: 'get', manager: 'sessions', secret: token0 }, USER0);
    assert.deepEqual(users.json, { [USER0]: 'user0', [USER1]: 'user1' });
  });

  it('a token from another address fails check; an expired one is renewed; close ends the session', async () => {
    const token = (
      await cmd({ cmd: 'open', manager: 'sessions', cred: { user: 'user1', pass: 'pass1' } }, USER1)
    ).text;
    const stolen = await cmd({ cmd: 'check', manager: 'sessions', secret: token }, '127.0.0.4');
    assert.deepEqual([stolen.status, stolen.json], [400, { message: 'invalid claims' }]);
    clock.advance(5 * 60_000);
    const expired = await cmd({ cmd: 'check', manager: 'sessions', secret: token }, USER1);
    assert.deepEqual(expired.json, { message: 'expired token' });
    const renewed = await cmd({ cmd: 'renew', manager: 'sessions', secret: token }, USER1);
    assert.equal(renewed.status, 200, renewed.text);
    assert.notEqual(renewed.text, token);
    const check = await cmd({ cmd: 'check', manager: 'sessions', secret: renewed.text }, USER1);
    assert.equal(check.text, 'user1');
    const close = await cmd({ cmd: 'close', manager: 'sessions', secret: renewed.text }, USER1);
    assert.deepEqual([close.status, close.text], [200, '']);
    assert.equal(gateway.services.sessions.lookup('sessions', USER1), undefined);
    const after = await cmd({ cmd: 'check', manager: 'sessions', secret: renewed.text }, USER1);
    assert.equal(after.status, 400);
  });
});
