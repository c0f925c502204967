import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startOrigin, type Origin } from '../helpers/origin.js';
import { startTestProxy, viaProxy, type TestProxy } from '../helpers/proxy-harness.js';
import {
  ATTACKER,
  GOOD_CLIENT,
  SECOND_ATTACKER,
  eventually,
  openTcp,
  type Connection,
} from '../helpers/slow-clients.js';
import { TestPolicy } from '../helpers/test-policy.js';

/** How long a refused connection may take to be seen closed (a bound on waiting, not on speed). */
const WAIT = 10_000;

describe('the proxy caps client connections per address and in all', () => {
  let origin: Origin;
  let tp: TestProxy;
  const held: Connection[] = [];

  before(async () => {
    origin = await startOrigin();
    // Long timeouts: only the caps can close anything here.
    tp = await startTestProxy(new TestPolicy(), {
      readTimeout: 60_000,
      idleTimeout: 60_000,
      maxConnections: 8,
      maxConnectionsPerAddress: 5,
    });
  });
  after(async () => {
    for (const c of held) c.socket.destroy();
    await tp.close();
    await origin.close();
  });

  const proxyUrl = (): string => `http://127.0.0.1:${tp.port}`;
  const open = (from: string, n: number): Promise<Connection[]> =>
    Promise.all(Array.from({ length: n }, () => openTcp(proxyUrl(), from)));

  async function release(connections: Connection[]): Promise<void> {
    for (const c of connections) c.socket.destroy();
    await Promise.all(connections.map((c) => c.closed));
    await eventually(() => tp.proxy.stats().connections === 0, WAIT, 'the proxy sees them gone');
  }

  it("resets an address's connections beyond its cap and serves another client", async () => {
    const flood = await open(ATTACKER, 12);
    held.push(...flood);
    await eventually(() => flood.filter((c) => c.socket.destroyed).length === 7, WAIT, '7 of 12 refused');
    assert.equal(tp.proxy.stats().connections, 5);
    assert.ok(
      flood.every((c) => c.received() === ''),
      'a refused connection is told nothing',
    );
    const good = await viaProxy(tp.port, `${origin.base}/`, { localAddress: GOOD_CLIENT, agent: false });
    assert.equal(good.status, 200);
    await release(flood);
  });

  it('refuses everyone once the listener is full, and serves again when it is not', async () => {
    const first = await open(ATTACKER, 5);
    const second = await open(SECOND_ATTACKER, 5);
    held.push(...first, ...second);
    const all = [...first, ...second];
    await eventually(() => all.filter((c) => c.socket.destroyed).length === 2, WAIT, '2 of 10 refused');
    await assert.rejects(
      viaProxy(tp.port, `${origin.base}/`, { localAddress: GOOD_CLIENT, agent: false }),
      /ECONNRESET|socket hang up/u,
    );
    await release(all);
    const good = await viaProxy(tp.port, `${origin.base}/`, { localAddress: GOOD_CLIENT, agent: false });
    assert.equal(good.status, 200);
  });
});
