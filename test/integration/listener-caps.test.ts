import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Gateway } from '../../src/server/gateway.js';
import { silentLogger } from '../../src/util/logger.js';
import { MANAGERS } from '../helpers/files-client.js';
import { writeConfigDir } from '../helpers/gateway.js';
import {
  ATTACKER,
  GOOD_CLIENT,
  SECOND_ATTACKER,
  eventually,
  limitedServerToml,
  openTcp,
  type Connection,
} from '../helpers/slow-clients.js';

/** Long timeouts: only the caps can close anything in these tests. */
const LIMITS = `readTimeout = "60s"
writeTimeout = "60s"
idleTimeout = "60s"
handshakeTimeout = "60s"
maxConnections = 8
maxConnectionsPerAddress = 5`;

/** How long a refused connection may take to be seen closed (a bound on waiting, not on speed). */
const WAIT = 10_000;

/** A GET from `from`; resolves with the status. */
function get(url: string, from: string): Promise<number> {
  const target = new URL('/upload/none', url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { localAddress: from, agent: false, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

async function open(url: string, from: string, n: number): Promise<Connection[]> {
  return Promise.all(Array.from({ length: n }, () => openTcp(url, from)));
}

describe('the API and file listeners cap connections per address and in all', () => {
  let gateway: Gateway;
  let cleanup: () => void;
  const held: Connection[] = [];

  before(async () => {
    let dir: string;
    ({ dir, cleanup } = writeConfigDir(MANAGERS, limitedServerToml(LIMITS)));
    gateway = await Gateway.start({ configDir: dir, log: silentLogger, accessToStdout: false });
  });
  after(async () => {
    for (const c of held) c.socket.destroy();
    await gateway.stop(0);
    cleanup();
  });

  const listeners = (): Array<[string, string, () => number]> => [
    ['HTTPS', gateway.web.url.replace('localhost', '127.0.0.1'), () => gateway.web.connections.open()],
    [
      'plain file',
      gateway.plainFiles?.url ?? assert.fail('no plain file listener'),
      () => gateway.plainFiles?.connections.open() ?? 0,
    ],
  ];

  async function release(connections: Connection[]): Promise<void> {
    for (const c of connections) c.socket.destroy();
    await Promise.all(connections.map((c) => c.closed));
  }

  for (const [index, listener] of ['HTTPS', 'plain file'].entries()) {
    it(`closes an address's connections beyond its cap at once and serves another client (${listener} listener)`, async () => {
      const [name, url, openNow] = listeners()[index] ?? assert.fail();
      const attack = await open(url, ATTACKER, 12);
      held.push(...attack);
      const closed = (): number => attack.filter((c) => c.socket.destroyed).length;
      await eventually(() => closed() === 7, WAIT, `${name}: 7 of 12 connections closed`);
      assert.equal(openNow(), 5);
      // Nothing was read or written on the refused ones: no TLS, no HTTP.
      assert.ok(attack.filter((c) => c.socket.destroyed).every((c) => c.received() === ''));
      assert.equal(await get(url, GOOD_CLIENT), 404, `${name}: the good client is served`);
      assert.equal(closed(), 7, `${name}: the 5 within the cap stay open`);
      await release(attack);
      await eventually(() => openNow() === 0, WAIT, `${name}: every connection counted out`);
    });
  }

  it('closes connections beyond the listener-wide cap, whoever makes them', async () => {
    const [, url, openNow] = listeners()[0] ?? assert.fail();
    const first = await open(url, ATTACKER, 5);
    await eventually(() => openNow() === 5, WAIT, 'the first 5 accepted');
    const second = await open(url, SECOND_ATTACKER, 5);
    held.push(...first, ...second);
    await eventually(
      () => second.filter((c) => c.socket.destroyed).length === 2,
      WAIT,
      '2 of the second 5 closed',
    );
    assert.equal(first.filter((c) => c.socket.destroyed).length, 0);
    assert.equal(openNow(), 8);
    // Full is full: the good client too is refused, and served once the flood goes.
    await assert.rejects(get(url, GOOD_CLIENT));
    await release([...first, ...second]);
    await eventually(() => openNow() === 0, WAIT, 'every connection counted out');
    assert.equal(await get(url, GOOD_CLIENT), 404);
  });

  it('counts a socket handed in with emit("connection") by its own peer address', async () => {
    const [, url, openNow] = listeners()[0] ?? assert.fail();
    const direct = await open(url, ATTACKER, 5);
    held.push(...direct);
    await eventually(() => openNow() === 5, WAIT, 'the 5 direct connections accepted');
    // What the proxy does with a CONNECT to the gateway's own API: the client's socket, handed over.
    const { server, accepted } = await socketSource();
    try {
      const client = await openTcp(
        `http://127.0.0.1:${(server.address() as { port: number }).port}`,
        ATTACKER,
      );
      held.push(client);
      const handed = await accepted;
      assert.equal(handed.remoteAddress, ATTACKER);
      gateway.web.server.emit('connection', handed);
      await client.closed;
      assert.equal(openNow(), 5);
      assert.equal(gateway.web.connections.openFrom(ATTACKER), 5);
    } finally {
      server.close();
      await release(direct);
    }
  });
});

/** A TCP server whose first accepted socket is handed to the test. */
async function socketSource(): Promise<{ server: Server; accepted: Promise<Socket> }> {
  const server = createServer();
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, accepted };
}
