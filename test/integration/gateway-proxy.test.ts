import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';
import { hashPassword } from '../../src/auth/passwords.js';
import type { Gateway } from '../../src/server/gateway.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';
import { startOrigin, type Origin } from '../helpers/origin.js';

const run = promisify(execFile);
const KiB = 1024;

/** GETs an absolute URL through the proxy, counting the body bytes that arrive. */
function fetchViaProxy(proxyPort: number, url: string, headers: Record<string, string> = {}) {
  return new Promise<{
    status: number;
    bytes: number;
    body: string;
    headers: http.IncomingHttpHeaders;
    complete: boolean;
  }>((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: proxyPort, path: url, headers, agent: false },
      (res) => {
        let bytes = 0;
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => {
          bytes += d.length;
          if (parts.length < 4) parts.push(d);
        });
        const done = () =>
          resolve({
            status: res.statusCode ?? 0,
            bytes,
            body: Buffer.concat(parts).toString(),
            headers: res.headers,
            complete: res.complete,
          });
        res.on('end', done);
        res.on('aborted', done);
        res.on('error', done);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the gateway as a forward proxy', () => {
  let gateway: Gateway;
  let metered: Origin;
  let intranet: Origin;
  let cleanup: () => void;
  let proxyPort: number;
  const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

  before(async () => {
    metered = await startOrigin('127.0.0.1');
    intranet = await startOrigin('127.0.0.2');
    const aliceHash = await hashPassword('alice-pass');
    const bobHash = await hashPassword('bob-pass');
    const cfg = writeConfigDir(`
rule = "campus ∧ (sessions ∨ auth) ∧ (intranet ∨ down)"
[mapDB]
name = "users"
[mapDB.userPass]
alice = "${aliceHash}"
bob = "${bobHash}"
[mapDB.userGroup]
alice = ["students"]
bob = ["students", "staff"]
[[sessionIPM]]
name = "sessions"
auth = "users"
[[proxyAuth]]
name = "auth"
auth = "users"
realm = "test realm"
[[rangeIPM]]
name = "campus"
cidr = ["127.0.0.0/8", "::1/128"]
[[hostMatcher]]
name = "intranet"
pattern = '^127\\.0\\.0\\.2$'
[[dwnConsR]]
name = "down"
userDBN = "users"
resetCycle = "24h"
[dwnConsR.groupQuota]
students = "256 KB"
staff = "1 MB"
`);
    cleanup = cfg.cleanup;
    gateway = await startGateway(cfg.dir);
    proxyPort = gateway.proxyAddress.port;
  });

  after(async () => {
    await gateway.stop();
    await metered.close();
    await intranet.close();
    cleanup();
  });

  it('asks for proxy credentials (407) when there is neither a session nor credentials', async () => {
    const r = await fetchViaProxy(proxyPort, `${metered.base}/`);
    assert.equal(r.status, 407);
    assert.match(String(r.headers['proxy-authenticate']), /^Basic realm="test realm"/u);
  });

  it('lets curl -x through with proxy credentials, byte for byte, and adds Via', async () => {
    const { stdout } = await run('curl', [
      ...['-sS', '-D', '-', '-o', '/dev/null', '-w', 'body=%{size_download}'],
      ...['-x', `http://alice:alice-pass@127.0.0.1:${proxyPort}`, `${metered.base}/bytes/5000`],
    ]);
    assert.match(stdout, /^HTTP\/1\.1 200/u);
    assert.match(stdout, /\r\nvia: 1\.1 pmproxy/iu);
    assert.ok(stdout.endsWith('body=5000'), stdout);
  });

  it('refuses wrong credentials with 407 again', async () => {
    const r = await fetchViaProxy(proxyPort, `${metered.base}/`, {
      'Proxy-Authorization': basic('alice', 'wrong'),
    });
    assert.equal(r.status, 407);
  });

  it('cuts a download at the quota within one chunk and then answers 403 saying so', async () => {
    const auth = { 'Proxy-Authorization': basic('alice', 'alice-pass') };
    const before = gatewayConsumption(gateway, 'alice');
    const r = await fetchViaProxy(proxyPort, `${metered.base}/bytes/${1024 * KiB}`, auth);
    assert.equal(r.status, 200);
    assert.equal(r.complete, false, 'the download must be cut, not completed');
    const quota = 256 * KiB;
    const delivered = r.bytes;
    assert.ok(delivered <= quota, `body ${delivered} must not pass the quota ${quota}`);
    assert.ok(delivered >= quota - before - 64 * KiB, `body ${delivered} stopped too early`);
    const used = gatewayConsumption(gateway, 'alice');
    assert.ok(used >= quota && used <= quota + 64 * KiB, `counted ${used}`);

    const denied = await fetchViaProxy(proxyPort, `${metered.base}/`, { ...auth, Accept: 'text/plain' });
    assert.equal(denied.status, 403);
    assert.match(denied.body, /quota/iu);
    assert.match(denied.body, /256\.0 KB/u);
  });

  it('still serves the unmetered intranet to a user whose quota is used up, without charging', async () => {
    const auth = { 'Proxy-Authorization': basic('alice', 'alice-pass') };
    const before = gatewayConsumption(gateway, 'alice');
    const r = await fetchViaProxy(proxyPort, `${intranet.base}/bytes/${100 * KiB}`, auth);
    assert.equal(r.status, 200);
    assert.equal(r.bytes, 100 * KiB);
    assert.equal(gatewayConsumption(gateway, 'alice'), before);
  });

  it('sums the quotas of all the user’s groups', async () => {
    const auth = { 'Proxy-Authorization': basic('bob', 'bob-pass') };
    const r = await fetchViaProxy(proxyPort, `${metered.base}/bytes/${1024 * KiB}`, auth);
    assert.equal(r.status, 200);
    assert.equal(r.bytes, 1024 * KiB, 'bob has 256 KB + 1 MB');
  });

  it('lets a client with a session in without credentials, charging the session’s user', async () => {
    gateway.services.sessions.open('sessions', 'users', '127.0.0.1', 'bob');
    const before = gatewayConsumption(gateway, 'bob');
    const r = await fetchViaProxy(proxyPort, `${metered.base}/bytes/1000`);
    assert.equal(r.status, 200);
    assert.equal(r.bytes, 1000);
    assert.ok(gatewayConsumption(gateway, 'bob') >= before + 1000);
    gateway.services.sessions.close('sessions', '127.0.0.1');
    const after = await fetchViaProxy(proxyPort, `${metered.base}/`);
    assert.equal(after.status, 407);
  });
});

function gatewayConsumption(gateway: Gateway, user: string): number {
  return gateway.services.consumption.used('down', user);
}
