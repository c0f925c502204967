import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';
import { patternBytes, startOrigin, startRawListener, type Origin } from '../helpers/origin.js';
import {
  rawExchange,
  startTestProxy,
  until,
  viaProxy,
  KiB,
  type TestProxy,
} from '../helpers/proxy-harness.js';
import { allow, basicAuth, basicUser, TestPolicy } from '../helpers/test-policy.js';

const run = promisify(execFile);

describe('proxy: HTTP forwarding', () => {
  let origin: Origin;
  let tp: TestProxy;
  const policy = new TestPolicy((ctx) => {
    const user = basicUser(ctx);
    return allow(user === undefined ? {} : { user });
  });

  before(async () => {
    origin = await startOrigin();
    tp = await startTestProxy(policy);
  });
  after(async () => {
    await tp.close();
    await origin.close();
  });

  it('relays a GET byte for byte, chunked or with a length', async () => {
    const sized = await viaProxy(tp.port, `${origin.base}/bytes/${300 * KiB}`);
    assert.equal(sized.status, 200);
    assert.equal(sized.headers['content-length'], String(300 * KiB));
    assert.ok(sized.body.equals(patternBytes(300 * KiB)));
    const chunked = await viaProxy(tp.port, `${origin.base}/bytes/${70 * KiB}?chunked`);
    assert.equal(chunked.headers['transfer-encoding'], 'chunked');
    assert.ok(chunked.body.equals(patternBytes(70 * KiB)));
  });

  it('streams a POST body to the origin byte for byte, with a length or chunked', async () => {
    const body = patternBytes(200 * KiB, 7);
    const r = await viaProxy(tp.port, `${origin.base}/echo`, { method: 'POST', body });
    assert.equal(r.status, 200);
    assert.ok(r.body.equals(body));
    assert.equal(origin.requests.at(-1)?.headers['content-length'], String(body.length));

    const chunked = await new Promise<Buffer>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: tp.port, path: `${origin.base}/echo`, method: 'POST', agent: false },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('end', () => resolve(Buffer.concat(parts)));
        },
      );
      req.on('error', reject);
      req.write(body.subarray(0, 1000));
      req.write(body.subarray(1000));
      req.end();
    });
    assert.ok(chunked.equals(body));
    const seen = origin.requests.at(-1);
    assert.equal(seen?.headers['transfer-encoding'], 'chunked');
    assert.ok(seen?.body.equals(body));
  });

  it('works for curl -x', async () => {
    const { stdout } = await run(
      'curl',
      ['-sS', '-x', `http://127.0.0.1:${tp.port}`, `${origin.base}/bytes/5000`],
      {
        encoding: 'buffer',
      },
    );
    assert.ok(stdout.equals(patternBytes(5000)));
  });

  it('asks the policy for every request with the request context', async () => {
    const before = policy.asked.length;
    await viaProxy(tp.port, `${origin.base.replace('127.0.0.1', '127.0.0.1.')}/x?y=1`, {
      headers: { 'Proxy-Authorization': basicAuth('carol') },
    });
    const ctx = policy.asked[before];
    assert.ok(ctx !== undefined);
    assert.equal(ctx.surface, 'proxy');
    assert.equal(ctx.clientIp, '127.0.0.1');
    assert.equal(ctx.target?.host, '127.0.0.1', 'host without port, canonical');
    assert.equal(ctx.target?.port, origin.port);
    assert.equal(ctx.target?.method, 'GET');
    assert.equal(ctx.target?.url?.pathname, '/x');
    assert.equal(ctx.proxyAuthorization, basicAuth('carol'));
    assert.equal(ctx.at.toISOString(), tp.clock.now().toISOString());
  });

  it('answers 400 to origin-form requests: it is not a reverse proxy', async () => {
    const before = origin.requests.length;
    const answer = await rawExchange(
      tp.port,
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
    );
    assert.match(answer, /^HTTP\/1\.1 400 /u);
    assert.equal(origin.requests.length, before);
    const https = await rawExchange(
      tp.port,
      'GET https://127.0.0.1/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    assert.match(https, /^HTTP\/1\.1 400 [^]*CONNECT/u);
  });

  it('adds Via both ways and sends the URL host, not the client Host header', async () => {
    const r = await viaProxy(tp.port, `${origin.base}/headers`, {
      headers: { Host: 'evil.example', Via: '1.1 client-side' },
    });
    const seen = JSON.parse(r.body.toString()) as { headers: http.IncomingHttpHeaders };
    assert.equal(seen.headers.via, '1.1 client-side, 1.1 pmproxy');
    assert.equal(seen.headers.host, `127.0.0.1:${origin.port}`);
    assert.equal(r.headers.via, '1.1 pmproxy');
  });

  it('strips hop-by-hop headers towards the origin, Proxy-Authorization included', async () => {
    const r = await viaProxy(tp.port, `${origin.base}/headers`, {
      headers: {
        Connection: 'X-Private, keep-alive',
        'X-Private': 'secret',
        'Proxy-Authorization': basicAuth('dave'),
        'Proxy-Connection': 'keep-alive',
        'Keep-Alive': 'timeout=5',
        TE: 'trailers',
        Upgrade: 'websocket',
        'X-Normal': 'kept',
      },
    });
    const seen = JSON.parse(r.body.toString()) as { headers: http.IncomingHttpHeaders };
    for (const name of [
      'x-private',
      'proxy-authorization',
      'proxy-connection',
      'keep-alive',
      'te',
      'upgrade',
    ]) {
      assert.equal(seen.headers[name], undefined, `${name} must not reach the origin`);
    }
    assert.notEqual(seen.headers.connection, 'X-Private, keep-alive');
    assert.equal(seen.headers['x-normal'], 'kept');
  });

  it('strips hop-by-hop headers towards the client', async () => {
    const r = await viaProxy(tp.port, `${origin.base}/hop`);
    assert.equal(r.headers['x-hop'], undefined);
    assert.equal(r.headers['proxy-authenticate'], undefined);
    assert.notEqual(r.headers['keep-alive'], 'timeout=5');
    assert.equal(r.headers['x-end'], 'kept');
    assert.equal(r.headers.via, '1.0 upstream-cache, 1.1 pmproxy');
    assert.equal(r.body.toString(), 'hop');
  });

  it('writes one access-log line per request', async () => {
    const before = tp.log.access().length;
    await viaProxy(tp.port, `${origin.base}/bytes/1000`, {
      headers: { 'Proxy-Authorization': basicAuth('erin') },
    });
    const find = () =>
      tp.log
        .access()
        .slice(before)
        .find((l) => l.user === 'erin');
    await until(() => find() !== undefined, 'the access-log line');
    const line = find();
    assert.ok(line !== undefined);
    assert.equal(line.client, '127.0.0.1');
    assert.equal(line.method, 'GET');
    assert.equal(line.host, '127.0.0.1');
    assert.equal(line.status, 200);
    assert.equal(line.result, 'true');
    assert.ok(typeof line.down === 'number' && line.down > 1000);
  });
});

describe('proxy: upstream failures', () => {
  it('answers 502 with the reason when the origin refuses the connection', async () => {
    const closed = await startRawListener('silent');
    const port = closed.port;
    await closed.close();
    const tp = await startTestProxy(new TestPolicy());
    try {
      const r = await viaProxy(tp.port, `http://127.0.0.1:${port}/`, { headers: { Accept: 'text/plain' } });
      assert.equal(r.status, 502);
      assert.match(r.body.toString(), /connection refused/u);
      await until(() => tp.log.access().length > 0, 'the access-log line');
      assert.equal(tp.log.access().at(-1)?.error, 'ECONNREFUSED');
    } finally {
      await tp.close();
    }
  });

  it('answers 504 when the origin accepts but never answers', async () => {
    const origin = await startOrigin();
    const tp = await startTestProxy(new TestPolicy(), { idleTimeout: 300 });
    try {
      const r = await viaProxy(tp.port, `${origin.base}/hang`);
      assert.equal(r.status, 504);
      assert.match(r.body.toString(), /did not answer/u);
    } finally {
      await tp.close();
      await origin.close();
    }
  });

  it('cuts the answer, never ends it cleanly, when the origin dies mid-body', async () => {
    const origin = await startOrigin();
    const tp = await startTestProxy(new TestPolicy());
    try {
      const r = await viaProxy(tp.port, `${origin.base}/die/${40 * KiB}`);
      assert.equal(r.status, 200);
      assert.equal(r.complete, false);
      assert.ok(r.body.length <= 40 * KiB);
      await until(() => tp.log.access().some((l) => l.end === 'upstream-error'), 'the access line');
    } finally {
      await tp.close();
      await origin.close();
    }
  });
});
