import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import type { Gateway } from '../../src/server/gateway.js';
import { apiManagersToml } from '../helpers/api-config.js';
import { filesToml } from '../helpers/files-client.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';
import { openTunnel, viaProxy } from '../helpers/proxy-harness.js';

interface Answer {
  readonly status: number;
  readonly text: string;
}

/** One HTTP/1.1 request over an already open connection (a tunnel, or TLS inside one). */
function requestOver(
  socket: Socket,
  path: string,
  options: { method?: string; body?: unknown } = {},
): Promise<Answer> {
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        createConnection: () => socket,
        host: '127.0.0.1',
        path,
        method: options.method ?? (payload === undefined ? 'GET' : 'POST'),
        headers:
          payload === undefined
            ? { connection: 'close' }
            : { connection: 'close', 'content-type': 'application/json', 'content-length': payload.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Opens a CONNECT tunnel from `from` to `authority`, then TLS inside it, trusting `ca`. */
async function tlsThroughProxy(proxyPort: number, authority: string, ca: string, from: string) {
  const tunnel = await openTunnel(proxyPort, authority, {}, from);
  assert.equal(tunnel.status, 200, tunnel.head);
  const secure = tls.connect({ socket: tunnel.socket, ca, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', resolve);
    secure.once('error', reject);
  });
  return secure;
}

describe('gateway: its own listeners through its proxy', () => {
  let gateway: Gateway;
  let cleanup: () => void;
  let ca: string;
  let proxyPort: number;
  let apiAuthority: string;
  let filesAuthority: string;

  before(async () => {
    // The proxy rule needs a session; the file server's download rule, the gateway host itself.
    const managers = `${apiManagersToml('[policy]\nupload = "signed"\ndownload = "gwhost"\n', 'sessions')}
[[hmacUpload]]
name = "signed"
[[rangeIPM]]
name = "gwhost"
cidr = "127.0.0.1/32"
`;
    const cfg = writeConfigDir(managers, filesToml('[files.server]\naddr = "127.0.0.1:0"\n'));
    cleanup = cfg.cleanup;
    gateway = await startGateway(cfg.dir);
    ca = readFileSync(join(cfg.dir, 'cert.pem'), 'utf8');
    proxyPort = gateway.proxyAddress.port;
    apiAuthority = `127.0.0.1:${gateway.web.address().port}`;
    filesAuthority = `127.0.0.1:${gateway.plainFiles?.address().port ?? 0}`;
  });
  after(async () => {
    await gateway.stop(0);
    cleanup();
  });

  it('tunnels to its own API though connectPorts has only 443, and the login binds the client', async () => {
    assert.deepEqual(gateway.config.server.proxy.connectPorts, [443]);
    const secure = await tlsThroughProxy(proxyPort, apiAuthority, ca, '127.0.0.2');
    const login = await requestOver(secure, '/api/login', { body: { user: 'alice', pass: 'alice-pass' } });
    assert.equal(login.status, 200, login.text);
    assert.equal(gateway.services.sessions.lookup('sessions', '127.0.0.2')?.user, 'alice');
    assert.equal(gateway.services.sessions.lookup('sessions', '127.0.0.1'), undefined);
    // And the proxy now lets 127.0.0.2 through by that session, not 127.0.0.1.
    const mine = await viaProxy(proxyPort, `http://${apiAuthority}/`, { localAddress: '127.0.0.2' });
    assert.equal(mine.status, 400, 'plain HTTP to the HTTPS listener');
    assert.match(mine.body.toString(), /speaks HTTPS/u);
  });

  it('reaches the login page through the tunnel without a session (the proxy rule does not apply)', async () => {
    const secure = await tlsThroughProxy(proxyPort, apiAuthority, ca, '127.0.0.3');
    const page = await requestOver(secure, '/login');
    assert.equal(page.status, 200);
    assert.match(page.text, /<form/iu);
  });

  it('keeps an address-based file rule: 403 direct means 403 through the proxy, HTTP or CONNECT', async () => {
    const path = '/upload/some/file.txt';
    const direct = await new Promise<number>((resolve, reject) => {
      http
        .get(
          { host: '127.0.0.1', port: gateway.plainFiles?.address().port, path, localAddress: '127.0.0.2' },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        )
        .on('error', reject);
    });
    assert.equal(direct, 403);
    const proxied = await viaProxy(proxyPort, `http://${filesAuthority}${path}`, {
      localAddress: '127.0.0.2',
    });
    assert.equal(proxied.status, 403, proxied.body.toString());
    const tunnel = await openTunnel(proxyPort, filesAuthority, {}, '127.0.0.2');
    assert.equal(tunnel.status, 200, tunnel.head);
    // openTunnel leaves the socket paused after reading the answer head.
    tunnel.socket.resume();
    const tunnelled = await requestOver(tunnel.socket, path);
    assert.equal(tunnelled.status, 403);
    // The gateway host itself is allowed; the file is missing, so 404 (the rule passed).
    const own = await viaProxy(proxyPort, `http://${filesAuthority}${path}`, { localAddress: '127.0.0.1' });
    assert.equal(own.status, 404);
  });

  it('refuses a request to the proxy itself (a loop)', async () => {
    const loop = await viaProxy(proxyPort, `http://127.0.0.1:${proxyPort}/`, { localAddress: '127.0.0.4' });
    assert.equal(loop.status, 403);
    assert.match(loop.body.toString(), /this proxy itself/u);
    const tunnel = await openTunnel(proxyPort, `localhost:${proxyPort}`, {}, '127.0.0.4');
    tunnel.socket.destroy();
    assert.equal(tunnel.status, 403);
  });
});
