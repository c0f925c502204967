import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect as h2connect, type ClientHttp2Session } from 'node:http2';
import { request as httpRequest } from 'node:http';
import { Gateway } from '../../src/server/gateway.js';
import { silentLogger } from '../../src/util/logger.js';
import { MANAGERS, slot } from '../helpers/files-client.js';
import { writeConfigDir } from '../helpers/gateway.js';
import {
  ATTACKER,
  GOOD_CLIENT,
  h2,
  limitedServerToml,
  openTcp,
  openTls,
  tlsFrom,
  trickle,
  type Connection,
} from '../helpers/slow-clients.js';

/** readTimeout is 1 s: a cut within ten times that is the timeout holding, whatever the load. */
const LIMITS = `readTimeout = "1s"
writeTimeout = "30s"
idleTimeout = "2s"
handshakeTimeout = "1s"
minBodyRate = "1 KB"
bodyRateWindow = "1s"`;
const CUT_WITHIN = 10_000;
const IDLE_LIMITS = `readTimeout = "30s"
writeTimeout = "30s"
idleTimeout = "1s"`;

/** Header lines enough to trickle for 40 s, far past any timeout here. */
const HEADER_LINES = Array.from({ length: 200 }, (_, i) => `X-Slow-${i}: a\r\n`);

function h2Session(url: string, from: string): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const session = h2connect(url, { createConnection: () => tlsFrom(hostname, Number(port), from, 'h2') });
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

/** A gateway with `limits` on both listeners, started before the suite's tests and stopped after. */
function limitedGateway(limits: string): { web: string; files: string } {
  const urls = { web: '', files: '' };
  let gateway: Gateway | undefined;
  let cleanup = (): void => undefined;
  before(async () => {
    let dir: string;
    ({ dir, cleanup } = writeConfigDir(MANAGERS, limitedServerToml(limits)));
    gateway = await Gateway.start({ configDir: dir, log: silentLogger, accessToStdout: false });
    urls.web = gateway.web.url.replace('localhost', '127.0.0.1');
    urls.files = gateway.plainFiles?.url ?? assert.fail('no plain file listener');
  });
  after(async () => {
    await gateway?.stop(0);
    cleanup();
  });
  return urls;
}

describe('the API and file listeners bound slow clients', () => {
  const urls = limitedGateway(LIMITS);

  async function assertCut(connection: Connection, answer?: RegExp): Promise<void> {
    const ms = await connection.closed;
    assert.ok(ms < CUT_WITHIN, `closed after ${ms} ms, not within ${CUT_WITHIN}`);
    if (answer !== undefined) assert.match(connection.received(), answer);
  }

  it('cuts an HTTP/1.1 slowloris on the HTTPS listener at readTimeout, with a 408', async () => {
    const c = await openTls(urls.web, ATTACKER, 'http/1.1');
    c.socket.write('GET / HTTP/1.1\r\nHost: gateway\r\n');
    trickle(c.socket, HEADER_LINES, 200);
    await assertCut(c, /^HTTP\/1\.1 408 /u);
  });

  it('cuts an HTTP/1.1 slowloris on the plain file listener at readTimeout, with a 408', async () => {
    const c = await openTcp(urls.files, ATTACKER);
    c.socket.write('GET /upload/x HTTP/1.1\r\nHost: gateway\r\n');
    trickle(c.socket, HEADER_LINES, 200);
    await assertCut(c, /^HTTP\/1\.1 408 /u);
  });

  it('cuts an HTTP/2 slowloris (a HEADERS block in CONTINUATION frames 2 s apart)', async () => {
    const c = await openTls(urls.web, ATTACKER, 'h2');
    const block = h2.getBlock();
    c.socket.write(Buffer.concat([h2.preface, h2.settings(), h2.headersStart(1, block)]));
    trickle(c.socket, h2.continuations(1, block, 7), 2000);
    await assertCut(c);
  });

  it('closes a TCP connection that never sends a ClientHello after handshakeTimeout', async () => {
    const c = await openTcp(urls.web, ATTACKER);
    await assertCut(c);
    assert.equal(c.received(), '');
  });

  it('cuts a slow request body on the plain file listener with a 408', async () => {
    const c = await openTcp(urls.files, ATTACKER);
    const { url } = slot(['slow', 'plain.bin'], 4096);
    c.socket.write(`PUT ${url} HTTP/1.1\r\nHost: gateway\r\nContent-Length: 4096\r\n\r\n`);
    trickle(
      c.socket,
      Array.from({ length: 400 }, () => 'x'.repeat(10)),
      200,
    );
    await assertCut(c, /^HTTP\/1\.1 408 /u);
  });

  it('cuts a slow request body on the HTTPS listener (HTTP/1.1) with a 408', async () => {
    const c = await openTls(urls.web, ATTACKER, 'http/1.1');
    const { url } = slot(['slow', 'tls.bin'], 4096);
    c.socket.write(`PUT ${url} HTTP/1.1\r\nHost: gateway\r\nContent-Length: 4096\r\n\r\n`);
    trickle(
      c.socket,
      Array.from({ length: 400 }, () => 'x'.repeat(10)),
      200,
    );
    await assertCut(c, /^HTTP\/1\.1 408 /u);
  });

  it('cuts a slow request body on HTTP/2 (the stream, with a 408)', async () => {
    const session = await h2Session(urls.web, ATTACKER);
    session.on('error', () => undefined);
    try {
      const { url } = slot(['slow', 'h2.bin'], 4096);
      const stream = session.request({ ':method': 'PUT', ':path': url, 'content-length': '4096' });
      stream.on('error', () => undefined);
      stream.resume();
      const opened = Date.now();
      const status = new Promise<number>((resolve) =>
        stream.on('response', (h) => resolve(Number(h[':status']))),
      );
      const closed = new Promise<number>((resolve) =>
        stream.once('close', () => resolve(Date.now() - opened)),
      );
      const timer = setInterval(() => {
        if (!stream.closed) stream.write('x'.repeat(10));
      }, 200);
      try {
        const ms = await closed;
        assert.ok(ms < CUT_WITHIN, `closed after ${ms} ms`);
        assert.equal(await status, 408);
      } finally {
        clearInterval(timer);
      }
    } finally {
      session.destroy();
    }
  });

  it('takes a 2 MB upload at a steady 320 KB/s on both listeners: the minimum rate is no time limit', async () => {
    const size = 2 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 'u');
    const plainUpload = new Promise<number>((resolve, reject) => {
      const { url } = slot(['good', 'plain.bin'], size);
      const { hostname, port } = new URL(urls.files);
      const req = httpRequest(
        {
          host: hostname,
          port,
          path: url,
          method: 'PUT',
          localAddress: GOOD_CLIENT,
          headers: { 'content-length': size },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      sendSteadily(req, chunk, size / chunk.length);
    });
    const session = await h2Session(urls.web, GOOD_CLIENT);
    try {
      const h2Upload = new Promise<number>((resolve, reject) => {
        const { url } = slot(['good', 'h2.bin'], size);
        const stream = session.request({ ':method': 'PUT', ':path': url, 'content-length': String(size) });
        stream.on('response', (h) => resolve(Number(h[':status'])));
        stream.on('error', reject);
        stream.resume();
        sendSteadily(stream, chunk, size / chunk.length);
      });
      assert.deepEqual(await Promise.all([plainUpload, h2Upload]), [201, 201]);
    } finally {
      session.close();
    }
  });
});

describe('the API and file listeners close idle connections', () => {
  // Every other timeout is long: only idleTimeout can close these connections within the bound.
  const urls = limitedGateway(IDLE_LIMITS);

  it('closes an HTTP/2 session idle past idleTimeout, although it pings', async () => {
    const session = await h2Session(urls.web, ATTACKER);
    const opened = Date.now();
    const closed = new Promise<number>((resolve) =>
      session.once('close', () => resolve(Date.now() - opened)),
    );
    session.on('error', () => undefined);
    const answered = await new Promise<number>((resolve, reject) => {
      const stream = session.request({ ':path': '/login' });
      stream.on('response', (headers) => resolve(Number(headers[':status'])));
      stream.on('error', reject);
      stream.resume();
    });
    assert.equal(answered, 200);
    const pings = setInterval(() => {
      if (!session.closed && !session.destroyed) session.ping(() => undefined);
    }, 200);
    try {
      const ms = await closed;
      assert.ok(ms < CUT_WITHIN, `closed after ${ms} ms`);
    } finally {
      clearInterval(pings);
    }
  });

  it('closes an idle HTTP/1.1 keep-alive connection after idleTimeout', async () => {
    const c = await openTcp(urls.files, GOOD_CLIENT);
    c.socket.write('GET /upload/none HTTP/1.1\r\nHost: gateway\r\n\r\n');
    const ms = await c.closed;
    assert.match(c.received(), /^HTTP\/1\.1 404 /u);
    assert.ok(ms < CUT_WITHIN, `closed after ${ms} ms`);
  });

  it('closes an idle HTTP/1.1 keep-alive connection on the HTTPS listener after idleTimeout', async () => {
    const c = await openTls(urls.web, GOOD_CLIENT, 'http/1.1');
    c.socket.write('GET /login HTTP/1.1\r\nHost: gateway\r\n\r\n');
    const ms = await c.closed;
    assert.match(c.received(), /^HTTP\/1\.1 200 /u);
    assert.ok(ms < CUT_WITHIN, `closed after ${ms} ms`);
  });
});

/** Writes `count` chunks, one every 200 ms, then ends. */
function sendSteadily(out: NodeJS.WritableStream, chunk: Buffer, count: number): void {
  let sent = 0;
  const timer = setInterval(() => {
    sent += 1;
    if (sent < count) out.write(chunk);
    else {
      clearInterval(timer);
      out.end(chunk);
    }
  }, 200);
}
