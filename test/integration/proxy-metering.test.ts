import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { patternBytes, startOrigin, startRawListener, type Origin } from '../helpers/origin.js';
import {
  KiB,
  openTunnel,
  readToClose,
  startTestProxy,
  until,
  viaProxy,
  type TestProxy,
} from '../helpers/proxy-harness.js';
import { allow, HeldSleep, MemoryMeter, RecordingPacer, TestPolicy } from '../helpers/test-policy.js';

describe('proxy: download quotas', () => {
  let origin: Origin;
  let tp: TestProxy;
  const policy = new TestPolicy();

  before(async () => {
    origin = await startOrigin();
    tp = await startTestProxy(policy);
  });
  after(async () => {
    await tp.close();
    await origin.close();
  });

  it('cuts a 1 MiB download at a 100 KiB quota, within one chunk', async () => {
    const quota = 100 * KiB;
    const meter = new MemoryMeter(quota);
    policy.set(() => allow({ meters: [meter], user: 'alice' }));
    const r = await viaProxy(tp.port, `${origin.base}/bytes/${1024 * KiB}`);
    assert.equal(r.status, 200);
    assert.equal(r.complete, false, 'the body is cut, not completed');
    assert.ok(r.body.length >= quota - KiB && r.body.length <= quota + 64 * KiB, `received ${r.body.length}`);
    assert.ok(r.body.equals(patternBytes(r.body.length)), 'what arrived is the start of the body');
    assert.ok(meter.used >= r.body.length, `counted ${meter.used} ≥ delivered ${r.body.length}`);
    assert.ok(meter.used <= quota);
    await until(() => tp.log.access().some((l) => l.end === 'quota'), 'the access line');
  });

  it('answers 403 saying so when not even the response head fits', async () => {
    const meter = new MemoryMeter(10);
    policy.set(() => allow({ meters: [meter], user: 'alice' }));
    const r = await viaProxy(tp.port, `${origin.base}/bytes/1000`, { headers: { Accept: 'text/plain' } });
    assert.equal(r.status, 403);
    assert.match(r.body.toString(), /quota is used up\n- down: 10 of 10 bytes/u);
  });

  it('counts the response head and body of a complete download, uploads not at all', async () => {
    const meter = new MemoryMeter(10 * 1024 * KiB);
    policy.set(() => allow({ meters: [meter], user: 'alice' }));
    const r = await viaProxy(tp.port, `${origin.base}/bytes/${50 * KiB}`);
    assert.equal(r.body.length, 50 * KiB);
    assert.ok(meter.used > 50 * KiB && meter.used < 51 * KiB, `head and body: ${meter.used}`);

    const before = meter.used;
    const upload = patternBytes(500 * KiB);
    const posted = await viaProxy(tp.port, `${origin.base}/headers`, { method: 'POST', body: upload });
    assert.equal(posted.status, 200);
    assert.equal(origin.requests.at(-1)?.body.length, upload.length);
    assert.ok(meter.used - before < 8 * KiB, `only the small answer is charged: ${meter.used - before}`);
  });

  it('charges concurrent downloads of one user to the same meter without losing any', async () => {
    const meter = new MemoryMeter(100 * 1024 * KiB);
    policy.set(() => allow({ meters: [meter], user: 'alice' }));
    const results = await Promise.all(
      [300, 200, 100].map((k) => viaProxy(tp.port, `${origin.base}/bytes/${k * KiB}`)),
    );
    const bodies = results.reduce((n, r) => n + r.body.length, 0);
    assert.equal(bodies, 600 * KiB);
    assert.ok(meter.used > bodies && meter.used < bodies + 3 * KiB, `counted ${meter.used}`);
  });

  it('counts an aborted download at least as much as the client received', async () => {
    const meter = new MemoryMeter(1024 * 1024 * KiB);
    policy.set(() => allow({ meters: [meter], user: 'alice' }));
    const received = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: tp.port, path: `${origin.base}/bytes/${64 * 1024 * KiB}`, agent: false },
        (res) => {
          let n = 0;
          res.on('data', (d: Buffer) => {
            n += d.length;
            if (n >= 512 * KiB) {
              req.destroy();
              resolve(n);
            }
          });
        },
      );
      req.on('error', () => {});
      req.on('close', () => reject(new Error('closed before 512 KiB')));
      req.end();
    });
    await until(() => tp.log.access().some((l) => l.end === 'client-closed'), 'the proxy to see the abort');
    assert.ok(meter.used >= received, `counted ${meter.used} ≥ received ${received}`);
    assert.ok(meter.used < 64 * 1024 * KiB, 'counting stopped when the client left');
  });

  it('keeps metering a download while the same user fetches an unmetered page', async () => {
    const meter = new MemoryMeter(100 * 1024 * KiB);
    const held = new HeldSleep();
    const paced = await startTestProxy(
      new TestPolicy((ctx) =>
        ctx.target?.url?.pathname === '/free'
          ? allow({ user: 'alice' })
          : allow({ user: 'alice', meters: [meter], pacers: [new RecordingPacer(1)] }),
      ),
      {},
      { sleep: held.sleep },
    );
    try {
      const download = viaProxy(paced.port, `${origin.base}/bytes/${400 * KiB}`);
      await until(() => held.pending > 0, 'the download to be under way');
      const free = await viaProxy(paced.port, `${origin.base}/free`);
      assert.equal(free.status, 200);
      const whileFree = meter.used;
      held.release(true);
      const r = await download;
      assert.equal(r.body.length, 400 * KiB);
      assert.ok(meter.used > 400 * KiB, `the rest of the download was still charged: ${meter.used}`);
      assert.ok(meter.used > whileFree);
    } finally {
      await paced.close();
    }
  });
});

describe('proxy: bandwidth pacing', () => {
  it('pauses the upstream for as long as the pacer asks, and drops nothing', async () => {
    const origin = await startOrigin();
    const held = new HeldSleep();
    const pacer = new RecordingPacer(250);
    const tp = await startTestProxy(
      new TestPolicy(() => allow({ pacers: [pacer], user: 'alice' })),
      {},
      { sleep: held.sleep },
    );
    try {
      const total = 512 * KiB;
      let received = 0;
      const done = new Promise<Buffer>((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port: tp.port, path: `${origin.base}/bytes/${total}`, agent: false },
          (res) => {
            const parts: Buffer[] = [];
            res.on('data', (d: Buffer) => {
              parts.push(d);
              received += d.length;
            });
            res.on('end', () => resolve(Buffer.concat(parts)));
          },
        );
        req.on('error', reject);
        req.end();
      });
      // The head is paced first; while that wait is held, no body moves and the pacer is not asked again.
      await until(() => held.pending === 1, 'the first pacing wait');
      const takes = pacer.takes.length;
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(pacer.takes.length, takes, 'nothing was read while paused');
      assert.ok(received < total);
      assert.deepEqual(held.waits, [250]);
      // Each release lets exactly one more chunk through before the next pause.
      held.release();
      await until(() => held.pending === 1 && pacer.takes.length === takes + 1, 'the next pacing wait');
      assert.equal(held.waits.length, 2);
      held.release(true);
      const body = await done;
      assert.ok(body.equals(patternBytes(total)));
      const paced = pacer.takes.reduce((a, b) => a + b, 0);
      assert.ok(paced > total, `every byte went through the pacer: ${paced}`);
      assert.ok(held.waits.length > 2 && held.waits.every((w) => w === 250));
    } finally {
      await tp.close();
      await origin.close();
    }
  });

  it('does not count a pacing pause as the origin going idle', { timeout: 10_000 }, async () => {
    const origin = await startOrigin();
    const echo = await startRawListener(`send:${256 * KiB}`);
    const held = new HeldSleep();
    const tp = await startTestProxy(
      new TestPolicy(() => allow({ pacers: [new RecordingPacer(1_000)] })),
      { idleTimeout: 150, connectPorts: [echo.port] },
      { sleep: held.sleep },
    );
    try {
      const download = viaProxy(tp.port, `${origin.base}/bytes/${256 * KiB}`);
      const t = await openTunnel(tp.port, `127.0.0.1:${echo.port}`);
      const tunnelled = readToClose(t.socket, t.rest);
      await until(() => held.pending === 2, 'both flows to be paced');
      // Longer than idleTimeout, with both flows held by the pacer.
      await new Promise((r) => setTimeout(r, 600));
      held.release(true);
      const r = await download;
      assert.equal(r.complete, true);
      assert.equal(r.body.length, 256 * KiB);
      assert.ok((await tunnelled).equals(patternBytes(256 * KiB)));
    } finally {
      await tp.close();
      await echo.close();
      await origin.close();
    }
  });
});
