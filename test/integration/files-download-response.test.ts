import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { parse as parseDisposition } from 'content-disposition';
import {
  LAST_MODIFIED,
  startDownloadFixture,
  strongEtag,
  type Answer,
  type DownloadFixture,
} from '../helpers/download-server.js';

// sendDownload over real HTTP/1.1: headers, disposition and CSP per type, Range. Conditionals are in
// files-download-conditions.test.ts, streaming (meter, abort, HTTP/2) in files-download-streams.

let fixture: DownloadFixture;
const DATA = randomBytes(10_000);
const ETAG = strongEtag(DATA);
const serve = (...args: Parameters<DownloadFixture['serve']>): void => fixture.serve(...args);
const get = (...args: Parameters<DownloadFixture['get']>): Promise<Answer> => fixture.get(...args);

before(async () => {
  fixture = await startDownloadFixture(DATA);
});

after(() => fixture.close());

/** Splits a multipart/byteranges body, checking every delimiter and that nothing trails. */
function byteRangeParts(answer: Answer): { type: string; range: string; data: Buffer }[] {
  const boundary = /^multipart\/byteranges; boundary=([0-9a-f]+)$/.exec(
    answer.headers['content-type'] ?? '',
  )?.[1];
  assert.ok(boundary !== undefined, `a byteranges type: ${answer.headers['content-type']}`);
  const body = answer.body;
  let at = 0;
  const expect = (text: string): void => {
    assert.equal(body.subarray(at, at + text.length).toString('latin1'), text);
    at += text.length;
  };
  const parts: { type: string; range: string; data: Buffer }[] = [];
  expect(`--${boundary}\r\n`);
  for (;;) {
    const headEnd = body.indexOf('\r\n\r\n', at);
    const fields = new Map(
      body
        .subarray(at, headEnd)
        .toString('latin1')
        .split('\r\n')
        .map((line) => line.split(': ') as [string, string]),
    );
    at = headEnd + 4;
    const range = fields.get('Content-Range') ?? '';
    const [, start, end] = /^bytes (\d+)-(\d+)\/\d+$/.exec(range) ?? [];
    const length = Number(end) - Number(start) + 1;
    parts.push({ type: fields.get('Content-Type') ?? '', range, data: body.subarray(at, at + length) });
    at += length;
    expect(`\r\n--${boundary}`);
    if (body.subarray(at, at + 2).toString() === '--') break;
    expect('\r\n');
  }
  expect('--\r\n');
  assert.equal(at, body.length, 'nothing after the closing delimiter');
  return parts;
}

describe('a plain download', () => {
  it('answers GET with the bytes and every header', async () => {
    const answer = await get('data');
    assert.equal(answer.status, 200);
    assert.ok(answer.body.equals(DATA));
    assert.equal(answer.headers['content-length'], '10000');
    assert.equal(answer.headers['content-type'], 'image/png');
    assert.equal(answer.headers['etag'], ETAG);
    assert.equal(answer.headers['last-modified'], LAST_MODIFIED);
    assert.equal(answer.headers['accept-ranges'], 'bytes');
    assert.equal(answer.headers['x-content-type-options'], 'nosniff');
    assert.equal(
      answer.headers['content-security-policy'],
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox",
    );
    assert.equal(answer.headers['content-disposition'], 'inline; filename=photo.png');
    assert.equal(answer.headers['content-range'], undefined);
  });

  it('answers HEAD with the same headers and no body, ignoring Range', async () => {
    const plain = await get('data');
    const head = await get('data', { Range: 'bytes=0-9' }, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(head.headers['content-range'], undefined);
    for (const name of ['content-length', 'content-type', 'etag', 'last-modified', 'accept-ranges'])
      assert.equal(head.headers[name], plain.headers[name], name);
    assert.equal(head.headers['content-disposition'], plain.headers['content-disposition']);
  });

  it('sends a 0-byte file with Content-Length 0 and refuses any range of it', async () => {
    const whole = await get('empty');
    assert.equal(whole.status, 200);
    assert.equal(whole.headers['content-length'], '0');
    assert.equal(whole.headers['content-type'], 'text/plain');
    assert.equal(whole.body.length, 0);
    for (const range of ['bytes=0-', 'bytes=-1', 'bytes=0-0']) {
      const answer = await get('empty', { Range: range });
      assert.equal(answer.status, 416, range);
      assert.equal(answer.headers['content-range'], 'bytes */0', range);
    }
  });
});

describe('Content-Disposition and the CSP follow the type', () => {
  const cases: [type: string, disposition: 'inline' | 'attachment'][] = [
    ['image/png', 'inline'],
    ['image/jpeg', 'inline'],
    ['video/mp4', 'inline'],
    ['audio/ogg', 'inline'],
    ['text/plain', 'inline'],
    ['text/plain; charset=utf-8', 'inline'],
    ['image/svg+xml', 'attachment'],
    ['text/html', 'attachment'],
    ['text/html; charset=utf-8', 'attachment'],
    ['application/xhtml+xml', 'attachment'],
    ['text/xml', 'attachment'],
    ['application/pdf', 'attachment'],
    ['application/octet-stream', 'attachment'],
    ['application/x-unknown-thing', 'attachment'],
  ];
  for (const [type, disposition] of cases) {
    it(`${type}: ${disposition}, served as stored`, async () => {
      serve(type, { contentType: type, name: 'f.dat' });
      const answer = await get(type);
      assert.equal(answer.status, 200);
      assert.equal(answer.headers['content-type'], type);
      assert.equal(answer.headers['content-disposition'], `${disposition}; filename=f.dat`);
      const policy = /^(audio|video)\//.test(type)
        ? "default-src 'none'; media-src 'self'; frame-ancestors 'none'; sandbox allow-same-origin"
        : /^image\//.test(type) && disposition === 'inline'
          ? "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox"
          : "default-src 'none'; frame-ancestors 'none'; sandbox";
      assert.equal(answer.headers['content-security-policy'], policy);
      assert.ok(answer.body.equals(DATA));
    });
  }

  it('serves a malformed stored type as an octet-stream attachment', async () => {
    serve('bad type', { contentType: 'text/html garbage', name: 'x.html' });
    const answer = await get('bad type');
    assert.equal(answer.headers['content-type'], 'application/octet-stream');
    assert.equal(answer.headers['content-disposition'], 'attachment; filename=x.html');
  });

  it('encodes a Unicode name as filename* with an ASCII fallback, and quotes a quote', async () => {
    serve('unicode', { name: 'très cool (1) — 東京.png' });
    const answer = await get('unicode');
    const header = answer.headers['content-disposition'] ?? '';
    assert.equal(
      header,
      `inline; filename="tr?s cool (1) ? ??.png"; filename*=UTF-8''tr%C3%A8s%20cool%20%281%29%20%E2%80%94%20%E6%9D%B1%E4%BA%AC.png`,
    );
    assert.equal(parseDisposition(header).parameters['filename'], 'très cool (1) — 東京.png');
    serve('quote', { name: 'say "hi"\\.png' });
    const quoted = (await get('quote')).headers['content-disposition'] ?? '';
    assert.equal(quoted, 'inline; filename="say \\"hi\\"\\\\.png"');
    assert.equal(parseDisposition(quoted).parameters['filename'], 'say "hi"\\.png');
  });
});

describe('Range', () => {
  const single: [range: string, start: number, end: number][] = [
    ['bytes=0-99', 0, 99],
    ['bytes=0-0', 0, 0],
    ['bytes=-500', 9500, 9999],
    ['bytes=9500-', 9500, 9999],
    ['bytes=9990-20000', 9990, 9999],
    ['bytes=-20000', 0, 9999],
    ['BYTES=10-19', 10, 19],
    ['bytes= 10-19 ,', 10, 19],
    ['bytes=0-99,50-149', 0, 149],
    ['bytes=100-199,200-299', 100, 299],
    ['bytes=20000-30000,5-9', 5, 9],
  ];
  for (const [range, start, end] of single) {
    it(`${range} → 206 bytes ${start}-${end}`, async () => {
      const answer = await get('data', { Range: range });
      assert.equal(answer.status, 206);
      assert.equal(answer.headers['content-range'], `bytes ${start}-${end}/10000`);
      assert.equal(answer.headers['content-length'], String(end - start + 1));
      assert.equal(answer.headers['content-type'], 'image/png');
      assert.ok(answer.body.equals(DATA.subarray(start, end + 1)));
    });
  }

  it('sends several ranges as multipart/byteranges, in request order, byte for byte', async () => {
    const answer = await get('data', { Range: 'bytes=500-599,0-9,-10' });
    assert.equal(answer.status, 206);
    assert.equal(answer.headers['content-range'], undefined);
    assert.equal(Number(answer.headers['content-length']), answer.body.length);
    const parts = byteRangeParts(answer);
    assert.deepEqual(
      parts.map(({ type, range }) => [type, range]),
      [
        ['image/png', 'bytes 500-599/10000'],
        ['image/png', 'bytes 0-9/10000'],
        ['image/png', 'bytes 9990-9999/10000'],
      ],
    );
    assert.ok(parts[0]?.data.equals(DATA.subarray(500, 600)));
    assert.ok(parts[1]?.data.equals(DATA.subarray(0, 10)));
    assert.ok(parts[2]?.data.equals(DATA.subarray(9990)));
  });

  it('serves up to 16 ranges as parts, and more than 16 as the whole file', async () => {
    const ranges = (n: number): string =>
      `bytes=${Array.from({ length: n }, (_, i) => `${i * 100}-${i * 100 + 9}`).join(',')}`;
    const sixteen = await get('data', { Range: ranges(16) });
    assert.equal(sixteen.status, 206);
    const parts = byteRangeParts(sixteen);
    assert.equal(parts.length, 16);
    parts.forEach((part, i) => assert.ok(part.data.equals(DATA.subarray(i * 100, i * 100 + 10))));
    const seventeen = await get('data', { Range: ranges(17) });
    assert.equal(seventeen.status, 200);
    assert.ok(seventeen.body.equals(DATA));
  });

  it('merges a thousand overlapping ranges into one', async () => {
    const overlapping = Array.from({ length: 1000 }, (_, i) => `${i}-${i + 50}`).join(',');
    const answer = await get('data', { Range: `bytes=${overlapping}` });
    assert.equal(answer.status, 206);
    assert.equal(answer.headers['content-range'], 'bytes 0-1049/10000');
    assert.ok(answer.body.equals(DATA.subarray(0, 1050)));
  });

  for (const range of ['bytes=10000-', 'bytes=20000-30000', 'bytes=-0', 'bytes=10000-10001,-0']) {
    it(`${range} → 416 with bytes */10000`, async () => {
      const answer = await get('data', { Range: range });
      assert.equal(answer.status, 416);
      assert.equal(answer.headers['content-range'], 'bytes */10000');
      assert.notEqual(answer.headers['content-type'], 'image/png');
    });
  }

  for (const range of [
    'bytes=abc',
    'bytes=5-3',
    'items=0-5',
    'bytes',
    'bytes=',
    'bytes=0-1,x',
    'bytes=--1',
  ]) {
    it(`ignores the invalid ${JSON.stringify(range)} (200, whole file)`, async () => {
      const answer = await get('data', { Range: range });
      assert.equal(answer.status, 200);
      assert.ok(answer.body.equals(DATA));
    });
  }
});
