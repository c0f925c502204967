import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { DownloadLengthError, type ThroughMeter } from '../../src/files/download-response.js';
import { ask, startDownloadFixture, type DownloadFixture } from '../helpers/download-server.js';

// sendDownload's bodies as streams: the meter sees and can cut them, a cut closes the connection
// (HTTP/1.1) or resets the stream (HTTP/2), a client that leaves releases the file, and a file
// that vanished or changed is answered without crashing.

const DATA = randomBytes(10_000);
const BIG = 8 * 1024 * 1024;

/** A meter that passes `limit` bytes, then ends its stream: a download quota running out. */
function limitMeter(limit: number, seen: { bytes: number } = { bytes: 0 }): ThroughMeter {
  return (body) =>
    Readable.from(
      (async function* () {
        let left = limit;
        for await (const chunk of body as AsyncIterable<Buffer>) {
          const take = chunk.subarray(0, left);
          left -= take.length;
          seen.bytes += take.length;
          if (take.length > 0) yield take;
          if (left === 0) return;
        }
      })(),
      { objectMode: false },
    );
}

/** 'close', which events.once would miss by rejecting on the 'error' that comes first. */
function closed(emitter: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => emitter.once('close', () => resolve()));
}

function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    promise,
    sleep(ms).then(() => Promise.reject(new Error(`${what}: nothing after ${ms} ms`))),
  ]);
}

/** How many descriptors of this process are open on `path` (Linux), or undefined elsewhere. */
function descriptorsOn(path: string): number | undefined {
  if (!existsSync('/proc/self/fd')) return undefined;
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  }).length;
}

describe('over HTTP/1.1', () => {
  let fixture: DownloadFixture;
  let bigPath: string;

  before(async () => {
    fixture = await startDownloadFixture(DATA);
    mkdirSync(join(fixture.dir, 'sub'));
    bigPath = join(fixture.dir, 'big.bin');
    writeFileSync(bigPath, randomBytes(BIG));
    fixture.serve('big', { path: bigPath, size: BIG });
  });
  after(() => fixture.close());

  it('passes every body byte through the meter, multipart bodies whole', async () => {
    for (const range of [undefined, 'bytes=0-9,-10']) {
      const seen = { bytes: 0 };
      fixture.server.meter = limitMeter(Infinity, seen);
      const answer = await fixture.get('data', range === undefined ? {} : { Range: range });
      fixture.server.meter = undefined;
      assert.equal(answer.cut, false);
      assert.equal(seen.bytes, answer.body.length);
      assert.equal(seen.bytes, Number(answer.headers['content-length']));
      if (range === undefined) assert.ok(answer.body.equals(DATA));
    }
  });

  for (const range of [undefined, 'bytes=0-4999,6000-9999']) {
    it(`closes a kept-alive connection when the meter ends a ${range ?? 'whole'} body early`, async () => {
      const errors = fixture.server.errors.length;
      fixture.server.meter = limitMeter(1000);
      const agent = new http.Agent({ keepAlive: true });
      try {
        const answer = await within(
          5000,
          ask(fixture.server.port, '/data', { agent, headers: range === undefined ? {} : { Range: range } }),
          'the cut body',
        );
        assert.equal(answer.cut, true, 'the client sees an incomplete body');
        assert.equal(answer.body.length, 1000);
        if (range === undefined) assert.ok(answer.body.equals(DATA.subarray(0, 1000)));
        assert.ok(Number(answer.headers['content-length']) > 1000);
        const [error] = fixture.server.errors.slice(errors);
        assert.ok(error instanceof DownloadLengthError, String(error));
        assert.equal(error.sent, 1000);
        assert.equal(error.expected, Number(answer.headers['content-length']));
      } finally {
        fixture.server.meter = undefined;
        agent.destroy();
      }
    });
  }

  it('cuts a kept-alive connection when the file shrinks while it is sent', async () => {
    const path = join(fixture.dir, 'shrinking.bin');
    writeFileSync(path, randomBytes(BIG));
    fixture.serve('shrinking', { path, size: BIG });
    fixture.server.meter = (body) => {
      body.once('data', () => truncateSync(path, 100_000));
      return body;
    };
    const agent = new http.Agent({ keepAlive: true });
    try {
      const answer = await within(5000, ask(fixture.server.port, '/shrinking', { agent }), 'the shrunk file');
      assert.equal(answer.cut, true);
      assert.ok(answer.body.length < BIG);
      assert.ok(fixture.server.errors.at(-1) instanceof DownloadLengthError);
    } finally {
      fixture.server.meter = undefined;
      agent.destroy();
    }
  });

  it('still sends a file whole that is deleted once it is open', async () => {
    const path = join(fixture.dir, 'deleted.bin');
    const bytes = randomBytes(2 * 1024 * 1024);
    writeFileSync(path, bytes);
    fixture.serve('deleted', { path, size: bytes.length });
    fixture.server.meter = (body) => {
      body.once('data', () => unlinkSync(path));
      return body;
    };
    try {
      const answer = await fixture.get('deleted');
      assert.equal(answer.cut, false);
      assert.ok(answer.body.equals(bytes));
      assert.equal(existsSync(path), false);
    } finally {
      fixture.server.meter = undefined;
    }
  });

  const leaving: [label: string, range: string | undefined, piped: boolean][] = [
    ['whole', undefined, false],
    ['multipart', 'bytes=0-3999999,5000000-7999999', false],
    // Stream.pipe does not destroy its source when the destination goes: sendDownload must.
    ['through a meter that only pipes', undefined, true],
  ];
  for (const [label, range, piped] of leaving) {
    it(`releases the file when the client leaves mid-body (${label})`, async () => {
      let body: Readable | undefined;
      fixture.server.meter = (stream) => {
        body = stream;
        return piped ? stream.pipe(new PassThrough()) : stream;
      };
      try {
        const req = http.request({
          host: '127.0.0.1',
          port: fixture.server.port,
          path: '/big',
          headers: range === undefined ? {} : { Range: range },
          agent: false,
        });
        req.on('error', () => undefined);
        req.end();
        const [res] = (await once(req, 'response')) as [http.IncomingMessage];
        assert.equal(res.statusCode, range === undefined ? 200 : 206);
        await once(res, 'data');
        const openWhileSending = descriptorsOn(bigPath);
        if (openWhileSending !== undefined) assert.equal(openWhileSending, 1, 'the file is open');
        assert.ok(body !== undefined);
        const bodyClosed = closed(body);
        req.destroy();
        await within(5000, bodyClosed, "the body's close");
        for (let tries = 0; descriptorsOn(bigPath) !== 0 && tries < 50; tries++) await sleep(20);
        if (openWhileSending !== undefined) assert.equal(descriptorsOn(bigPath), 0, 'the file is closed');
      } finally {
        fixture.server.meter = undefined;
      }
    });
  }

  it('answers 404 for a file gone or not a file, 500 for one whose size changed', async () => {
    fixture.serve('gone', { path: join(fixture.dir, 'no-such.bin') });
    fixture.serve('not a file', { path: join(fixture.dir, 'sub') });
    fixture.serve('below a file', { path: join(fixture.dir, 'data.bin', 'x') });
    fixture.serve('resized', { size: DATA.length + 1 });
    const outcomes = fixture.server.outcomes.length;
    for (const [key, status] of [
      ['gone', 404],
      ['not a file', 404],
      ['below a file', 404],
      ['resized', 500],
    ] as const) {
      for (const method of ['GET', 'HEAD']) {
        const answer = await fixture.get(key, {}, method);
        assert.equal(answer.status, status, `${method} ${key}`);
        assert.equal(answer.headers['etag'], undefined);
        assert.equal(answer.headers['x-content-type-options'], 'nosniff');
      }
    }
    assert.deepEqual(fixture.server.outcomes.slice(outcomes), [
      ...['missing', 'missing', 'missing', 'missing', 'missing', 'missing'],
      ...['size-mismatch', 'size-mismatch'],
    ]);
  });
});

describe('over HTTP/2', () => {
  let fixture: DownloadFixture;
  before(async () => {
    fixture = await startDownloadFixture(DATA, 'h2c');
  });
  after(() => fixture.close());

  async function askH2(
    headers: http2.OutgoingHttpHeaders,
  ): Promise<{ status: number; length: string; body: Buffer; rstCode: number }> {
    const session = http2.connect(fixture.server.base);
    session.on('error', () => undefined);
    try {
      const stream = session.request({ ':path': '/data', ...headers });
      stream.on('error', () => undefined);
      const chunks: Buffer[] = [];
      let status = 0;
      let length = '';
      stream.on('response', (h) => {
        status = Number(h[':status']);
        length = String(h['content-length']);
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      await within(5000, closed(stream), 'the HTTP/2 stream');
      return { status, length, body: Buffer.concat(chunks), rstCode: stream.rstCode ?? 0 };
    } finally {
      session.destroy();
    }
  }

  it('serves a range', async () => {
    const answer = await askH2({ range: 'bytes=100-199' });
    assert.equal(answer.status, 206);
    assert.equal(answer.rstCode, 0);
    assert.ok(answer.body.equals(DATA.subarray(100, 200)));
  });

  it('resets the stream when the meter ends the body early', async () => {
    fixture.server.meter = limitMeter(1000);
    try {
      const answer = await askH2({});
      assert.equal(answer.status, 200);
      assert.equal(answer.length, '10000');
      assert.equal(answer.body.length, 1000);
      assert.notEqual(answer.rstCode, 0, 'reset, not ended');
      assert.ok(fixture.server.errors.at(-1) instanceof DownloadLengthError);
    } finally {
      fixture.server.meter = undefined;
    }
  });
});
