import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { patternBytes, startOrigin, startRawListener } from '../helpers/origin.js';
import { KiB, openTunnel, readToClose, startTestProxy, until, viaProxy } from '../helpers/proxy-harness.js';
import { allow, HeldSleep, RecordingPacer, TestPolicy } from '../helpers/test-policy.js';

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(true));
  });
}

describe('proxy: connections and shutdown', () => {
  it('counts open connections and tunnels', async () => {
    const echo = await startRawListener('echo');
    const tp = await startTestProxy(new TestPolicy(), { connectPorts: [echo.port] });
    try {
      const idle = net.connect(tp.port, '127.0.0.1');
      const t = await openTunnel(tp.port, `127.0.0.1:${echo.port}`);
      await until(() => tp.proxy.stats().connections === 2, 'two connections');
      assert.equal(tp.proxy.stats().tunnels, 1);
      idle.destroy();
      t.socket.destroy();
      await until(() => tp.proxy.stats().connections === 0, 'no connections');
      assert.equal(tp.proxy.stats().tunnels, 0);
    } finally {
      await tp.close();
      await echo.close();
    }
  });

  it('stops accepting at once but lets a download in flight finish', { timeout: 20_000 }, async () => {
    const origin = await startOrigin();
    const held = new HeldSleep();
    const tp = await startTestProxy(
      new TestPolicy(() => allow({ pacers: [new RecordingPacer(10)] })),
      {},
      { sleep: held.sleep },
    );
    try {
      const download = viaProxy(tp.port, `${origin.base}/bytes/${256 * KiB}`);
      await until(() => held.pending > 0, 'the download to be under way');
      const closed = tp.proxy.close(15_000);
      await until(() => tp.proxy.stats().connections === 1, 'the server to stop listening');
      assert.equal(await refused(tp.port), true, 'new connections are refused');
      held.release(true);
      const r = await download;
      assert.equal(r.complete, true);
      assert.ok(r.body.equals(patternBytes(256 * KiB)));
      assert.equal(r.headers.connection, 'close', 'the connection is not kept for another request');
      await closed;
    } finally {
      await origin.close();
    }
  });

  it(
    'closes idle keep-alive connections after a moment, without waiting for the grace period',
    { timeout: 10_000 },
    async () => {
      const origin = await startOrigin();
      const tp = await startTestProxy(new TestPolicy());
      const agent = new http.Agent({ keepAlive: true });
      try {
        assert.equal((await viaProxy(tp.port, `${origin.base}/`, { agent })).status, 200);
        assert.equal(tp.proxy.stats().connections, 1);
        await tp.proxy.close(60_000);
        assert.equal(tp.proxy.stats().connections, 0);
      } finally {
        agent.destroy();
        await origin.close();
      }
    },
  );

  it(
    'answers a request that comes on an idle keep-alive connection while closing, with Connection: close',
    { timeout: 10_000 },
    async () => {
      const origin = await startOrigin();
      const tp = await startTestProxy(new TestPolicy());
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const first = await viaProxy(tp.port, `${origin.base}/bytes/10`, { agent });
        assert.equal(first.status, 200);
        assert.notEqual(first.headers.connection, 'close');
        const closed = tp.proxy.close(5_000);
        // The client did not see the close coming: its next request goes on the idle connection.
        const second = await viaProxy(tp.port, `${origin.base}/bytes/10`, { agent });
        assert.equal(second.status, 200);
        assert.equal(second.body.length, 10);
        assert.equal(second.headers.connection, 'close');
        await assert.rejects(
          viaProxy(tp.port, `${origin.base}/bytes/10`),
          /ECONNREFUSED/u,
          'no new connection',
        );
        await closed;
        assert.equal(tp.proxy.stats().connections, 0);
      } finally {
        agent.destroy();
        await origin.close();
      }
    },
  );

  it('destroys tunnels still open when the grace period ends', { timeout: 10_000 }, async () => {
    const echo = await startRawListener('echo');
    const tp = await startTestProxy(new TestPolicy(), { connectPorts: [echo.port] });
    try {
      const t = await openTunnel(tp.port, `127.0.0.1:${echo.port}`);
      assert.equal(t.status, 200);
      const ended = readToClose(t.socket, t.rest);
      await tp.proxy.close(100);
      await ended;
      assert.equal(tp.proxy.stats().connections, 0);
    } finally {
      await echo.close();
    }
  });
});
