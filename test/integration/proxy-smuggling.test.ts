import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startOrigin, startRawListener, type Origin, type RawListener } from '../helpers/origin.js';
import { KiB, rawExchange, startTestProxy, until, type TestProxy } from '../helpers/proxy-harness.js';
import { TestPolicy } from '../helpers/test-policy.js';

describe('proxy: malformed and hostile requests', () => {
  let raw: RawListener;
  let origin: Origin;
  let tp: TestProxy;

  before(async () => {
    raw = await startRawListener('http');
    origin = await startOrigin();
    tp = await startTestProxy(new TestPolicy(), { maxHeaderSize: 16 * KiB });
  });
  after(async () => {
    await tp.close();
    await raw.close();
    await origin.close();
  });

  const target = () => `http://127.0.0.1:${raw.port}/`;

  it('forwards a well-framed chunked POST re-chunked, with a single framing (the control case)', async () => {
    const start = raw.allBytes().length;
    const answer = await rawExchange(
      tp.port,
      `POST ${target()} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
    );
    assert.match(answer, /^HTTP\/1\.1 200 /u);
    await until(() => raw.allBytes().subarray(start).includes('0\r\n\r\n'), 'the forwarded body');
    const forwarded = raw.allBytes().subarray(start).toString('latin1');
    assert.match(forwarded, /^POST \/ HTTP\/1\.1\r\n/u);
    assert.match(forwarded, /\r\nTransfer-Encoding: chunked\r\n/iu);
    assert.doesNotMatch(forwarded, /content-length/iu);
    assert.match(forwarded, /\r\n\r\n5\r\nhello\r\n0\r\n\r\n$/u);
  });

  it('never sends a chunked GET body unframed, where it would read as a second request', async () => {
    const start = raw.allBytes().length;
    const smuggled = 'GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n';
    const chunk = `${smuggled.length.toString(16)}\r\n${smuggled}\r\n0\r\n\r\n`;
    await rawExchange(
      tp.port,
      `GET ${target()} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunk}`,
    );
    await until(() => raw.allBytes().subarray(start).includes('0\r\n\r\n'), 'the forwarded body');
    const forwarded = raw.allBytes().subarray(start).toString('latin1');
    assert.ok(forwarded.includes(`\r\n\r\n${chunk}`), forwarded);
  });

  const probes: Record<string, string> = {
    'Content-Length with Transfer-Encoding (CL.TE)': `POST ${'%T'} HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG`,
    'two differing Content-Length headers': `POST ${'%T'} HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 6\r\n\r\nabcdef`,
    'Transfer-Encoding: chunked, identity': `POST ${'%T'} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n`,
    'a space before the colon': `POST ${'%T'} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n`,
    'a signed Content-Length': `POST ${'%T'} HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc`,
    'bare LF line endings': `GET ${'%T'} HTTP/1.1\nHost: x\n\n`,
  };
  for (const [name, template] of Object.entries(probes)) {
    it(`answers 400 to ${name} and forwards nothing`, async () => {
      const connections = raw.connections();
      const bytes = raw.allBytes().length;
      const answer = await rawExchange(tp.port, template.replace('%T', target()));
      assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/u);
      assert.equal(raw.connections(), connections, 'the origin saw no new connection');
      assert.equal(raw.allBytes().length, bytes, 'and no bytes on a pooled one');
    });
  }

  it('answers 431 to a 17 KiB header and lets a 15 KiB one through', async () => {
    const big = await rawExchange(
      tp.port,
      `GET ${target()} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * KiB)}\r\n\r\n`,
    );
    assert.match(big, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/u);
    const fine = await rawExchange(
      tp.port,
      `GET ${origin.base}/headers HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(15 * KiB)}\r\nConnection: close\r\n\r\n`,
    );
    assert.match(fine, /^HTTP\/1\.1 200 OK\r\n/u);
    assert.equal(origin.requests.at(-1)?.headers['x-big']?.length, 15 * KiB);
  });

  it('logs rejected requests', async () => {
    await until(
      () => tp.log.access().some((l) => l.status === 431 && l.error === 'HPE_HEADER_OVERFLOW'),
      'the line',
    );
  });
});

describe('proxy: slow clients', () => {
  it('drops a client that stops reading for longer than writeTimeout', { timeout: 20_000 }, async () => {
    const origin = await startOrigin();
    const tp = await startTestProxy(new TestPolicy(), { writeTimeout: 300 });
    try {
      const socket = net.connect(tp.port, '127.0.0.1');
      socket.on('error', () => {});
      socket.write(`GET ${origin.base}/bytes/${256 * 1024 * KiB} HTTP/1.1\r\nHost: x\r\n\r\n`);
      socket.pause();
      await until(
        () => tp.log.access().some((l) => l.end === 'write-stall'),
        'the stalled client to be dropped',
        15_000,
      );
      socket.destroy();
      const line = tp.log.access().find((l) => l.end === 'write-stall');
      assert.ok(typeof line?.down === 'number' && line.down < 256 * 1024 * KiB);
    } finally {
      await tp.close();
      await origin.close();
    }
  });

  it('answers 408 and closes when the request headers take longer than readTimeout', async () => {
    const tp = await startTestProxy(new TestPolicy(), { readTimeout: 300 });
    try {
      const answer = await rawExchange(tp.port, 'GET http://127.0.0.1/ HTTP/1.1\r\nHost: x\r\n', 5_000);
      assert.match(answer, /^HTTP\/1\.1 408 /u);
    } finally {
      await tp.close();
    }
  });
});
