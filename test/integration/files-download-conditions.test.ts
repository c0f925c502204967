import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  LAST_MODIFIED,
  startDownloadFixture,
  strongEtag,
  type Answer,
  type DownloadFixture,
} from '../helpers/download-server.js';

// sendDownload's conditional requests over real HTTP/1.1 (RFC 9110 §13): If-None-Match,
// If-Modified-Since, If-Match, If-Unmodified-Since in §13.2.2's order, and If-Range.

let fixture: DownloadFixture;
const DATA = randomBytes(10_000);
const ETAG = strongEtag(DATA);
const serve = (...args: Parameters<DownloadFixture['serve']>): void => fixture.serve(...args);
const get = (...args: Parameters<DownloadFixture['get']>): Promise<Answer> => fixture.get(...args);

before(async () => {
  fixture = await startDownloadFixture(DATA);
});

after(() => fixture.close());

describe('If-Range', () => {
  const cases: [name: string, ifRange: string, etag: string, honoured: boolean][] = [
    ['the strong ETag', ETAG, ETAG, true],
    ['another ETag', '"other"', ETAG, false],
    ['the ETag marked weak', `W/${ETAG}`, ETAG, false],
    ['a weak ETag, even the same', 'W/"w1"', 'W/"w1"', false],
    ['a strong tag against a weak ETag', '"w1"', 'W/"w1"', false],
    ['the Last-Modified date', LAST_MODIFIED, ETAG, true],
    ['a date a second earlier', 'Mon, 06 May 2024 07:08:08 GMT', ETAG, false],
    ['a date a second later', 'Mon, 06 May 2024 07:08:10 GMT', ETAG, false],
    ['a malformed value', 'yesterday', ETAG, false],
  ];
  for (const [name, ifRange, etag, honoured] of cases) {
    it(`${name}: ${honoured ? '206' : '200 whole'}`, async () => {
      serve(`if-range ${etag}`, { etag });
      const answer = await get(`if-range ${etag}`, { Range: 'bytes=0-9', 'If-Range': ifRange });
      assert.equal(answer.status, honoured ? 206 : 200);
      assert.ok(answer.body.equals(honoured ? DATA.subarray(0, 10) : DATA));
    });
  }

  it('turns an unsatisfiable range into the whole file when it does not hold', async () => {
    const answer = await get('data', { Range: 'bytes=20000-', 'If-Range': '"other"' });
    assert.equal(answer.status, 200);
    assert.ok(answer.body.equals(DATA));
  });
});

describe('conditional requests', () => {
  const cases: [name: string, headers: Record<string, string>, status: number][] = [
    ['If-None-Match with the ETag', { 'If-None-Match': ETAG }, 304],
    ['If-None-Match with the ETag marked weak', { 'If-None-Match': `W/${ETAG}` }, 304],
    ['If-None-Match listing it', { 'If-None-Match': `"a", "b,c",${ETAG}` }, 304],
    ['If-None-Match: *', { 'If-None-Match': '*' }, 304],
    ['If-None-Match with others', { 'If-None-Match': '"a", W/"b"' }, 200],
    ['If-Modified-Since its date', { 'If-Modified-Since': LAST_MODIFIED }, 304],
    ['If-Modified-Since later (rfc850)', { 'If-Modified-Since': 'Tuesday, 07-May-24 00:00:00 GMT' }, 304],
    ['If-Modified-Since later (asctime)', { 'If-Modified-Since': 'Tue May  7 00:00:00 2024' }, 304],
    ['If-Modified-Since a second earlier', { 'If-Modified-Since': 'Mon, 06 May 2024 07:08:08 GMT' }, 200],
    ['If-Modified-Since not a date', { 'If-Modified-Since': '2099' }, 200],
    [
      'If-Modified-Since hidden by a failing If-None-Match',
      { 'If-None-Match': '"other"', 'If-Modified-Since': LAST_MODIFIED },
      200,
    ],
    ['If-Match with the ETag', { 'If-Match': ETAG }, 200],
    ['If-Match: *', { 'If-Match': '*' }, 200],
    ['If-Match with another', { 'If-Match': '"other"' }, 412],
    ['If-Match with the ETag marked weak', { 'If-Match': `W/${ETAG}` }, 412],
    ['If-Match malformed', { 'If-Match': 'nonsense' }, 412],
    ['If-Unmodified-Since a second earlier', { 'If-Unmodified-Since': 'Mon, 06 May 2024 07:08:08 GMT' }, 412],
    ['If-Unmodified-Since its date', { 'If-Unmodified-Since': LAST_MODIFIED }, 200],
    [
      'If-Unmodified-Since hidden by a passing If-Match',
      { 'If-Match': ETAG, 'If-Unmodified-Since': 'Mon, 06 May 2024 07:08:08 GMT' },
      200,
    ],
    ['If-Match failing before If-None-Match matching', { 'If-Match': '"other"', 'If-None-Match': ETAG }, 412],
    ['If-Match passing, then If-None-Match matching', { 'If-Match': ETAG, 'If-None-Match': ETAG }, 304],
    ['a 304 wins over Range', { 'If-None-Match': ETAG, Range: 'bytes=0-9' }, 304],
    ['a 412 wins over Range', { 'If-Match': '"other"', Range: 'bytes=0-9' }, 412],
  ];
  for (const [name, headers, status] of cases) {
    it(`${name} → ${status}`, async () => {
      const answer = await get('data', headers);
      assert.equal(answer.status, status);
      if (status === 200) assert.ok(answer.body.equals(DATA));
      else assert.ok(!answer.body.includes(DATA.subarray(0, 64)), 'no file bytes');
    });
  }

  it('gives a 304 the validators but no entity headers or body, for GET and HEAD', async () => {
    for (const method of ['GET', 'HEAD']) {
      const answer = await get('data', { 'If-None-Match': ETAG }, method);
      assert.equal(answer.status, 304);
      assert.equal(answer.headers['etag'], ETAG);
      assert.equal(answer.headers['last-modified'], LAST_MODIFIED);
      assert.equal(answer.headers['content-length'], undefined);
      assert.equal(answer.headers['content-type'], undefined);
      assert.equal(answer.headers['content-disposition'], undefined);
      assert.equal(answer.body.length, 0);
    }
  });
});
