import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  closeServer,
  patternBytes,
  startOrigin,
  startRawListener,
  type Origin,
  type RawListener,
} from '../helpers/origin.js';
import {
  openTunnel,
  readToClose,
  startTestProxy,
  viaProxy,
  type TestProxy,
} from '../helpers/proxy-harness.js';
import { allow, basicAuth, deny, TestPolicy } from '../helpers/test-policy.js';

interface Socks5Server {
  readonly port: number;
  /** `host:port` of every CONNECT it was asked for. */
  readonly asked: string[];
  close(): Promise<void>;
}

/** A minimal SOCKS5 server (no authentication, CONNECT only), enough to carry the proxy's dials. */
async function startSocks5(): Promise<Socks5Server> {
  const asked: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    client.once('data', () => {
      client.write(Buffer.from([5, 0]));
      client.once('data', (req: Buffer) => {
        const atyp = req[3];
        let host: string;
        let at: number;
        if (atyp === 1) {
          host = [...req.subarray(4, 8)].join('.');
          at = 8;
        } else if (atyp === 3) {
          const len = req[4] ?? 0;
          host = req.subarray(5, 5 + len).toString();
          at = 5 + len;
        } else {
          client.destroy();
          return;
        }
        const port = req.readUInt16BE(at);
        asked.push(`${host}:${port}`);
        const upstream = net.connect({ port, host, allowHalfOpen: true }, () => {
          client.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
          client.pipe(upstream);
          upstream.pipe(client);
        });
        upstream.on('error', () => {
          client.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0]));
        });
        client.on('close', () => upstream.destroy());
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    asked,
    close: () => {
      for (const s of sockets) s.destroy();
      return closeServer(server);
    },
  };
}

describe('proxy: routes', () => {
  let origin: Origin;
  let echo: RawListener;
  let silent: RawListener;
  let socks: Socks5Server;
  let parent: TestProxy;
  const parentPolicy = new TestPolicy();
  const policy = new TestPolicy();
  let tp: TestProxy;

  before(async () => {
    origin = await startOrigin();
    echo = await startRawListener('echo');
    silent = await startRawListener('silent');
    socks = await startSocks5();
    parent = await startTestProxy(parentPolicy, { connectPorts: [echo.port] });
    tp = await startTestProxy(policy, { connectPorts: [echo.port], dialTimeout: 300 });
  });
  after(async () => {
    await tp.close();
    await parent.close();
    await socks.close();
    await silent.close();
    await echo.close();
    await origin.close();
  });

  it('goes out from the source address the route names', async () => {
    policy.set(() => allow({ route: { manager: 'iface', localAddress: '127.0.0.2' } }));
    const r = await viaProxy(tp.port, `${origin.base}/headers`);
    assert.equal((JSON.parse(r.body.toString()) as { remoteAddress: string }).remoteAddress, '127.0.0.2');
    const t = await openTunnel(tp.port, `127.0.0.1:${echo.port}`);
    assert.equal(t.status, 200);
    t.socket.destroy();
    assert.equal(echo.peers.at(-1), '127.0.0.2');
  });

  it('forwards through an HTTP parent proxy with the credentials of its URL', async () => {
    const parentUrl = new URL(`http://gw%40user:p%3Ass@127.0.0.1:${parent.port}`);
    policy.set(() => allow({ route: { manager: 'up', parentProxy: parentUrl } }));
    parentPolicy.set(() => allow());
    const asked = parentPolicy.asked.length;
    const r = await viaProxy(tp.port, `${origin.base}/bytes/20000`, {
      headers: { 'Proxy-Authorization': basicAuth('client') },
    });
    assert.equal(r.status, 200);
    assert.ok(r.body.equals(patternBytes(20000)));
    const ctx = parentPolicy.asked[asked];
    assert.equal(
      ctx?.proxyAuthorization,
      basicAuth('gw@user', 'p:ss'),
      'the parent gets our credentials, not the client’s',
    );
    assert.equal(ctx?.target?.port, origin.port);
    assert.equal(r.headers.via, '1.1 pmproxy, 1.1 pmproxy');

    const t = await openTunnel(tp.port, `127.0.0.1:${echo.port}`);
    assert.equal(t.status, 200);
    t.socket.write('ping');
    t.socket.end();
    assert.equal((await readToClose(t.socket, t.rest)).toString(), 'ping');
    assert.equal(parentPolicy.asked.at(-1)?.target?.method, 'CONNECT');
  });

  it('answers 502 when the parent proxy refuses the tunnel', async () => {
    policy.set(() =>
      allow({ route: { manager: 'up', parentProxy: new URL(`http://127.0.0.1:${parent.port}`) } }),
    );
    parentPolicy.set(() => deny());
    const t = await openTunnel(tp.port, `127.0.0.1:${echo.port}`);
    assert.equal(t.status, 502);
    assert.match((await readToClose(t.socket, t.rest)).toString(), /parent proxy answered "HTTP\/1\.1 403/u);
  });

  it('dials through a SOCKS5 parent for plain HTTP and for tunnels', async () => {
    policy.set(() =>
      allow({ route: { manager: 'up', parentProxy: new URL(`socks5://127.0.0.1:${socks.port}`) } }),
    );
    const r = await viaProxy(tp.port, `${origin.base}/bytes/30000`);
    assert.equal(r.status, 200);
    assert.ok(r.body.equals(patternBytes(30000)));
    assert.equal(socks.asked.at(-1), `127.0.0.1:${origin.port}`);
    const t = await openTunnel(tp.port, `127.0.0.1:${echo.port}`);
    assert.equal(t.status, 200);
    t.socket.write('pong');
    t.socket.end();
    assert.equal((await readToClose(t.socket, t.rest)).toString(), 'pong');
    assert.equal(socks.asked.at(-1), `127.0.0.1:${echo.port}`);
  });

  it('answers 504 when the parent proxy does not complete the dial within dialTimeout', async () => {
    for (const scheme of ['socks5', 'http']) {
      policy.set(() =>
        allow({ route: { manager: 'up', parentProxy: new URL(`${scheme}://127.0.0.1:${silent.port}`) } }),
      );
      const t = await openTunnel(tp.port, `127.0.0.1:${echo.port}`);
      assert.equal(t.status, 504, scheme);
      await readToClose(t.socket, t.rest);
    }
    policy.set(() =>
      allow({ route: { manager: 'up', parentProxy: new URL(`socks5://127.0.0.1:${silent.port}`) } }),
    );
    const r = await viaProxy(tp.port, `${origin.base}/`);
    assert.equal(r.status, 504);
    assert.match(r.body.toString(), /took too long|timed out/u);
  });
});
