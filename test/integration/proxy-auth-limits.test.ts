import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { hashPassword } from '../../src/auth/passwords.js';
import { Gateway } from '../../src/server/gateway.js';
import { runPmproxy, writeConfigDir } from '../helpers/gateway.js';
import { MemoryLog } from '../helpers/proxy-harness.js';

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

/** One proxied GET from `from`, on a connection of its own. */
function viaProxy(port: number, url: string, from: string, auth?: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const headers = auth === undefined ? {} : { 'Proxy-Authorization': auth };
    const req = http.request(
      { host: '127.0.0.1', port, path: url, headers, agent: false, localAddress: from },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('proxy credentials: counted per address, refused from the cache, never kept past a password change', () => {
  const log = new MemoryLog();
  let config: { dir: string; cleanup: () => void };
  let gateway: Gateway;
  let origin: http.Server;
  let url: string;
  const failures = () => log.lines.filter((l) => l.msg === 'login failed').length;
  const get = (from: string, auth?: string) => viaProxy(gateway.proxyAddress.port, url, from, auth);

  before(async () => {
    origin = http.createServer((_req, res) => res.end('hello'));
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/`;
    config = writeConfigDir(`rule = "auth ∨ local"
[mapDB]
name = "users"
[mapDB.userPass]
alice = "${await hashPassword('alice-pass')}"
[sqlDB]
name = "store"
[[proxyAuth]]
name = "auth"
auth = "users"
[[proxyAuth]]
name = "local"
auth = "store"
`);
    gateway = await Gateway.start({ configDir: config.dir, log, accessToStdout: false });
  });
  after(async () => {
    await gateway.stop();
    await new Promise((resolve) => origin.close(resolve));
    config.cleanup();
  });

  // An answer other than 407 means the credentials were taken (200, or 403 where the proxy refuses
  // loopback origins without [proxy] allowInternal).
  it('a repeated wrong header costs one check and counts once', async () => {
    const before = failures();
    for (let i = 0; i < 30; i++) {
      assert.equal((await get('127.0.0.2', basic('alice', 'always-the-same'))).status, 407);
    }
    // One failure per proxyAuth manager that checked it (two user DBs).
    assert.ok(failures() - before <= 2, `${failures() - before} failures counted`);
  });

  it('a flood of distinct wrong passwords from one address is refused without checking, past the limit', async () => {
    const from = '127.0.0.3';
    const before = failures();
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => get(from, basic('alice', `flood-${i}`))),
    );
    assert.ok(answers.every((a) => a.status === 407));
    // Every header is checked by both proxyAuth managers: 10 failures for alice here, then none.
    const checked = failures();
    assert.ok(checked - before <= 10, `${checked - before} checks for alice at one address`);
    const refused = await get(from, basic('alice', 'alice-pass'));
    assert.equal(refused.status, 407);
    assert.match(refused.body, /too many failed logins/u);
    await Promise.all(Array.from({ length: 20 }, (_, i) => get(from, basic('alice', `after-${i}`))));
    assert.equal(failures(), checked, 'refused by the count, with no password checked');
    // A good user elsewhere is not held back.
    assert.notEqual((await get('127.0.0.4', basic('alice', 'alice-pass'))).status, 407);
  });

  it("stops accepting an sqlDB user's old password once the admin CLI changes it", async () => {
    const added = await runPmproxy(['user', 'add', 'carol', '--password-stdin', '--config', config.dir], {
      input: 'carol-old-pass\n',
    });
    assert.equal(added.code, 0, added.stderr);
    const old = basic('carol', 'carol-old-pass');
    assert.notEqual((await get('127.0.0.5', old)).status, 407);
    assert.notEqual((await get('127.0.0.5', old)).status, 407, 'from the cache');
    const changed = await runPmproxy(
      ['user', 'passwd', 'carol', '--password-stdin', '--config', config.dir],
      {
        input: 'carol-new-pass\n',
      },
    );
    assert.equal(changed.code, 0, changed.stderr);
    // The server looks for user changes at most once a second.
    await sleep(1100);
    assert.equal((await get('127.0.0.5', old)).status, 407);
    assert.notEqual((await get('127.0.0.5', basic('carol', 'carol-new-pass'))).status, 407);
  });
});
