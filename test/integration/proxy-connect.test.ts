import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import {
  patternBytes,
  startOrigin,
  startRawListener,
  type Origin,
  type RawListener,
} from '../helpers/origin.js';
import {
  KiB,
  openTunnel,
  readToClose,
  startTestProxy,
  until,
  viaProxy,
  type TestProxy,
} from '../helpers/proxy-harness.js';
import { allow, deny, Gate, MemoryMeter, TestPolicy } from '../helpers/test-policy.js';
import type { Decision } from '../../src/rules/decision.js';

const run = promisify(execFile);

describe('proxy: CONNECT tunnels', () => {
  let echo: RawListener;
  let other: RawListener;
  let origin: Origin;
  let tp: TestProxy;
  const policy = new TestPolicy();

  before(async () => {
    echo = await startRawListener('echo');
    other = await startRawListener('echo');
    origin = await startOrigin();
    tp = await startTestProxy(policy, { connectPorts: [echo.port, origin.port] });
  });
  after(async () => {
    await tp.close();
    await echo.close();
    await other.close();
    await origin.close();
  });

  it('opens a tunnel to an allowed port and relays both ways', async () => {
    policy.set(() => allow());
    const t = await openTunnel(tp.port, `127.0.0.1:${echo.port}`);
    assert.equal(t.status, 200);
    assert.match(t.head, /^HTTP\/1\.1 200 Connection Established\r\nVia: 1\.1 pmproxy$/u);
    const payload = patternBytes(100 * KiB);
    const back: Buffer[] = [];
    let got = 0;
    t.socket.on('data', (d: Buffer) => {
      back.push(d);
      got += d.length;
      if (got >= payload.length) t.socket.end();
    });
    t.socket.resume();
    t.socket.write(payload);
    await new Promise((resolve) => t.socket.on('close', resolve));
    assert.ok(Buffer.concat(back).equals(payload));
    const ctx = policy.asked.at(-1);
    assert.equal(ctx?.target?.method, 'CONNECT');
    assert.equal(ctx?.target?.host, '127.0.0.1');
    assert.equal(ctx?.target?.port, echo.port);
    assert.equal(ctx?.target?.url, undefined);
  });

  it('refuses ports outside connectPorts with 403 before dialling or asking the policy', async () => {
    policy.set(() => allow());
    const asked = policy.asked.length;
    for (const authority of [`127.0.0.1:${other.port}`, '127.0.0.1:25', '169.254.169.254:80', '[::1]:22']) {
      const t = await openTunnel(tp.port, authority);
      assert.equal(t.status, 403, authority);
      assert.match((await readToClose(t.socket, t.rest)).toString(), /not allowed/u);
    }
    assert.equal(other.connections(), 0, 'the listener saw no connection');
    assert.equal(policy.asked.length, asked);
  });

  it('gives the policy canonical hosts: brackets dropped, integer IPv4 written out', async () => {
    policy.set(() => deny());
    const v6 = await openTunnel(tp.port, `[::1]:${echo.port}`);
    await readToClose(v6.socket, v6.rest);
    assert.equal(policy.asked.at(-1)?.target?.host, '::1');
    const decimal = await openTunnel(tp.port, `2130706433:${echo.port}`);
    await readToClose(decimal.socket, decimal.rest);
    assert.equal(policy.asked.at(-1)?.target?.host, '127.0.0.1');
  });

  it('answers 400 to a CONNECT without a port', async () => {
    const t = await openTunnel(tp.port, '127.0.0.1');
    assert.equal(t.status, 400);
    t.socket.destroy();
  });

  it('carries curl -p (an HTTP request inside the tunnel)', async () => {
    policy.set(() => allow());
    const { stdout } = await run(
      'curl',
      ['-sS', '-p', '-x', `http://127.0.0.1:${tp.port}`, `${origin.base}/bytes/40000`],
      { encoding: 'buffer' },
    );
    assert.ok(stdout.equals(patternBytes(40000)));
  });

  it('survives a client that resets while the policy is still deciding, and dials nothing', async () => {
    const gate = new Gate<Decision>();
    policy.set(() => gate.promise);
    const dialled = echo.connections();
    const asked = policy.asked.length;
    const socket = net.connect(tp.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(`CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nHost: x\r\n\r\n`);
    await until(() => policy.asked.length > asked, 'the policy to be asked');
    socket.resetAndDestroy();
    await until(() => tp.proxy.stats().connections === 0, 'the proxy to see the reset');
    gate.open(allow());
    await until(() => tp.log.access().some((l) => l.end === 'client-closed'), 'the access line');
    assert.equal(echo.connections(), dialled, 'no tunnel is dialled for a client that left');
    policy.set(() => allow());
    const after = await openTunnel(tp.port, `127.0.0.1:${echo.port}`);
    assert.equal(after.status, 200, 'the proxy still works');
    after.socket.destroy();
  });

  it('survives a reset during a slow decision on a plain HTTP request too', async () => {
    const gate = new Gate<Decision>();
    policy.set(() => gate.promise);
    const before = origin.requests.length;
    const asked = policy.asked.length;
    const socket = net.connect(tp.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(`GET ${origin.base}/ HTTP/1.1\r\nHost: x\r\n\r\n`);
    await until(() => policy.asked.length > asked, 'the policy to be asked');
    socket.resetAndDestroy();
    await until(() => tp.proxy.stats().connections === 0, 'the proxy to see the reset');
    gate.open(allow());
    await new Promise((r) => setImmediate(r));
    policy.set(() => allow());
    assert.equal((await viaProxy(tp.port, `${origin.base}/`)).status, 200);
    assert.equal(origin.requests.length, before + 1, 'only the second request reached the origin');
  });
});

describe('proxy: tunnel limits', () => {
  it('closes an idle tunnel after idleTimeout', async () => {
    const echo = await startRawListener('echo');
    const tp = await startTestProxy(new TestPolicy(), { connectPorts: [echo.port], idleTimeout: 200 });
    try {
      const t = await openTunnel(tp.port, `127.0.0.1:${echo.port}`);
      assert.equal(t.status, 200);
      await readToClose(t.socket, t.rest);
      await until(() => tp.log.access().length > 0, 'the access line');
      assert.equal(tp.log.access()[0]?.end, 'idle-timeout');
      assert.equal(tp.proxy.stats().tunnels, 0);
    } finally {
      await tp.close();
      await echo.close();
    }
  });

  it('cuts a tunnel at the quota, delivering exactly what fits', async () => {
    const quota = 100 * KiB;
    const source = await startRawListener(`send:${1024 * KiB}`);
    const meter = new MemoryMeter(quota);
    const tp = await startTestProxy(new TestPolicy(() => allow({ meters: [meter], user: 'alice' })), {
      connectPorts: [source.port],
    });
    try {
      const t = await openTunnel(tp.port, `127.0.0.1:${source.port}`);
      const got = await readToClose(t.socket, t.rest);
      assert.ok(got.length <= quota + 64 * KiB && got.length >= quota, `received ${got.length}`);
      assert.ok(got.equals(patternBytes(got.length)), 'what arrived is the start of the stream');
      assert.ok(meter.used >= got.length, `counted ${meter.used} ≥ delivered ${got.length}`);
      await until(() => tp.log.access().length > 0, 'the access line');
      assert.equal(tp.log.access()[0]?.end, 'quota');
    } finally {
      await tp.close();
      await source.close();
    }
  });

  it('delivers every byte in order to a client that reads in fits and starts', async () => {
    // The origin writes far faster than the client reads, so writes to the client are often still
    // pending when the next read from the origin comes: the read buffer must not be reused then.
    const total = 8 * 1024 * KiB;
    const source = await startRawListener(`send:${total}`);
    const tp = await startTestProxy(new TestPolicy(), { connectPorts: [source.port] });
    try {
      const t = await openTunnel(tp.port, `127.0.0.1:${source.port}`);
      const parts: Buffer[] = [t.rest];
      let reads = 0;
      const got = await new Promise<Buffer>((resolve) => {
        t.socket.on('data', (d: Buffer) => {
          parts.push(d);
          reads += 1;
          if (reads % 8 === 0) {
            t.socket.pause();
            setTimeout(() => t.socket.resume(), 5);
          }
        });
        t.socket.on('error', () => {});
        t.socket.on('close', () => resolve(Buffer.concat(parts)));
        t.socket.resume();
      });
      assert.equal(got.length, total);
      assert.ok(got.equals(patternBytes(total)), 'the bytes arrive unchanged and in order');
    } finally {
      await tp.close();
      await source.close();
    }
  });

  it('ends the tunnel cleanly when the origin closes, after delivering everything', async () => {
    const source = await startRawListener(`send:${300 * KiB}`);
    const tp = await startTestProxy(new TestPolicy(), { connectPorts: [source.port] });
    try {
      const t = await openTunnel(tp.port, `127.0.0.1:${source.port}`);
      const got = await readToClose(t.socket, t.rest);
      assert.ok(got.equals(patternBytes(300 * KiB)));
    } finally {
      await tp.close();
      await source.close();
    }
  });
});
