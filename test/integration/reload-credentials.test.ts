import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../src/auth/passwords.js';
import type { Gateway } from '../../src/server/gateway.js';
import type { UserDB } from '../../src/users/types.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';
import { startOrigin, type Origin } from '../helpers/origin.js';
import { viaProxy } from '../helpers/proxy-harness.js';

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

/** proxyAuth over a mapDB holding alice's argon2 hash, and a rule that reloads may change. */
const managers = (aliceHash: string, rule = 'auth') => `rule = "${rule}"
[mapDB]
name = "users"
[mapDB.userPass]
alice = "${aliceHash}"
[[proxyAuth]]
name = "auth"
auth = "users"
[[rangeIPM]]
name = "campus"
cidr = "127.0.0.0/8"
`;

describe('reloads and the proxy credentials already verified', () => {
  let config: { dir: string; cleanup: () => void };
  let gateway: Gateway;
  let origin: Origin;
  let verifications = 0;
  const get = (pass: string) =>
    viaProxy(gateway.proxyAddress.port, `${origin.base}/bytes/3`, {
      headers: { 'Proxy-Authorization': basic('alice', pass) },
    });
  const counted = new WeakSet<UserDB>();
  /** Counts the argon2 verifications of the running generation's mapDB, whichever object it is. */
  const countVerifications = () => {
    const db = gateway.users.get('users') as UserDB;
    if (counted.has(db)) return;
    counted.add(db);
    const verify = db.verify.bind(db);
    Object.assign(db, {
      verify: (user: string, pass: string) => {
        verifications++;
        return verify(user, pass);
      },
    });
  };

  before(async () => {
    origin = await startOrigin();
    config = writeConfigDir(managers(await hashPassword('alice-pass')));
    gateway = await startGateway(config.dir);
  });
  after(async () => {
    await gateway.stop(0);
    await origin.close();
    config.cleanup();
  });

  it('keeps them across a reload that leaves the user database as it was', async () => {
    countVerifications();
    assert.equal((await get('alice-pass')).status, 200);
    assert.equal(verifications, 1);
    const managersToml = join(config.dir, 'managers.toml');
    const hash = readFileSync(managersToml, 'utf8').match(/alice = "(.*)"/u)?.[1] ?? assert.fail('no hash');
    writeFileSync(managersToml, managers(hash, 'auth ∧ campus'));
    assert.equal((await gateway.reload()).ok, true);
    countVerifications();
    assert.equal((await get('alice-pass')).status, 200);
    assert.equal(verifications, 1, 'no argon2 again after the reload');
  });

  it('forgets them when the reload changes the password', async () => {
    writeFileSync(
      join(config.dir, 'managers.toml'),
      managers(await hashPassword('new-pass'), 'auth ∧ campus'),
    );
    assert.equal((await gateway.reload()).ok, true);
    assert.equal((await get('alice-pass')).status, 407);
    assert.equal((await get('new-pass')).status, 200);
  });
});
