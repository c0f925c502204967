import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startRawListener, type RawListener } from '../helpers/origin.js';
import { KiB, rawExchange, startTestProxy, type TestProxy } from '../helpers/proxy-harness.js';
import { TestPolicy } from '../helpers/test-policy.js';

describe('proxy: Host headers, transfer codings and malformed targets', () => {
  let raw: RawListener;
  let tp: TestProxy;

  before(async () => {
    raw = await startRawListener('http');
    tp = await startTestProxy(new TestPolicy(), { maxHeaderSize: 16 * KiB, connectPorts: [443] });
  });
  after(async () => {
    await tp.close();
    await raw.close();
  });

  const target = () => `http://127.0.0.1:${raw.port}/`;
  const forwarded = () => raw.allBytes().length;

  it('answers 400 to an HTTP/1.1 request without a Host header, forwarding nothing', async () => {
    const before = forwarded();
    const answer = await rawExchange(tp.port, `GET ${target()} HTTP/1.1\r\nConnection: close\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 400 /u);
    assert.match(answer, /needs a Host header/u);
    assert.equal(forwarded(), before);
  });

  it('answers 400 to two Host headers, for requests and CONNECT', async () => {
    const before = forwarded();
    const twice = 'Host: a.example\r\nHost: b.example\r\n';
    const answer = await rawExchange(
      tp.port,
      `GET ${target()} HTTP/1.1\r\n${twice}Connection: close\r\n\r\n`,
    );
    assert.match(answer, /^HTTP\/1\.1 400 /u);
    assert.match(answer, /more than one Host header/u);
    assert.equal(forwarded(), before);
    const connect = await rawExchange(tp.port, `CONNECT example.org:443 HTTP/1.1\r\n${twice}\r\n`);
    assert.match(connect, /^HTTP\/1\.1 400 /u);
  });

  it('still takes an HTTP/1.0 request without Host, and curl -x sends one (the control case)', async () => {
    const answer = await rawExchange(tp.port, `GET ${target()} HTTP/1.0\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 200 /u);
  });

  for (const coding of ['gzip, chunked', 'gzip,chunked', 'deflate\r\nTransfer-Encoding: chunked']) {
    it(`refuses Transfer-Encoding: ${JSON.stringify(coding)} with 501 rather than forwarding it as plain chunked`, async () => {
      const before = forwarded();
      const answer = await rawExchange(
        tp.port,
        `POST ${target()} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ${coding}\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
      );
      assert.match(answer, /^HTTP\/1\.1 501 /u);
      assert.match(answer, /send chunked alone/u);
      assert.equal(forwarded(), before);
    });
  }

  for (const bad of [
    'http://[::1/',
    'http://[::1]:99999/',
    'http://a b/',
    'http://%zz/',
    'http:///x',
    'http://[/',
  ]) {
    it(`answers 400, never 500, to the target ${JSON.stringify(bad)}`, async () => {
      const answer = await rawExchange(
        tp.port,
        `GET ${bad} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      assert.match(answer, /^HTTP\/1\.1 400 /u);
    });
  }

  it('prints no MaxListenersExceededWarning for a 1 MB request head', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const answer = await rawExchange(
        tp.port,
        `GET ${target()} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(1024 * KiB)}\r\n\r\n`,
      );
      assert.match(answer, /^HTTP\/1\.1 431 /u);
      // Warnings are emitted on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(
      warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message),
      [],
    );
  });
});
