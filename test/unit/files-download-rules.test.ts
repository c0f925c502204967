import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { setTimeout as sleep } from 'node:timers/promises';
import { byteRangesStream, planByteRanges } from '../../src/files/byteranges-body.js';
import {
  evaluatePreconditions,
  parseEntityTagList,
  parseHttpDate,
} from '../../src/files/download-conditions.js';
import { dispositionHeader, servedContentType, shownInline } from '../../src/files/download-headers.js';
import { chooseRanges, MAX_RANGES } from '../../src/files/download-ranges.js';

// The parts of sendDownload that need no socket: HTTP dates, entity-tag lists, the precondition
// order, range choice, and the multipart layout.

describe('parseHttpDate', () => {
  const seconds = Date.UTC(1994, 10, 6, 8, 49, 37) / 1000;

  it('reads the three forms of RFC 9110 §5.6.7 as the same instant', () => {
    assert.equal(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT'), seconds);
    assert.equal(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', new Date('2020-01-01')), seconds);
    assert.equal(parseHttpDate('Sun Nov  6 08:49:37 1994'), seconds);
  });

  it('reads a two-digit year more than 50 years ahead as the past century', () => {
    const now = new Date('2030-01-01');
    assert.equal(parseHttpDate('Monday, 01-Jan-80 00:00:00 GMT', now), Date.UTC(2080, 0, 1) / 1000);
    assert.equal(parseHttpDate('Monday, 01-Jan-81 00:00:00 GMT', now), Date.UTC(1981, 0, 1) / 1000);
  });

  for (const bad of [
    '2024',
    'Sun, 06 Nov 1994 08:49:37',
    'sun, 06 Nov 1994 08:49:37 GMT',
    'Sun, 6 Nov 1994 08:49:37 GMT',
    'Fri, 30 Feb 2024 00:00:00 GMT',
    'Sun, 06 Nov 1994 24:00:00 GMT',
    'Sun, 06 Nov 1994 08:60:00 GMT',
    '',
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => assert.equal(parseHttpDate(bad), undefined));
  }
});

describe('parseEntityTagList', () => {
  it('keeps commas inside quotes and skips empty members', () => {
    assert.deepEqual(parseEntityTagList(' ,"a,b", W/"c" ,,'), [
      { weak: false, opaque: 'a,b' },
      { weak: true, opaque: 'c' },
    ]);
  });

  it('reads * alone, and refuses what is not a list of tags', () => {
    assert.equal(parseEntityTagList(' * '), '*');
    assert.equal(parseEntityTagList('"a" "b"'), undefined);
    assert.equal(parseEntityTagList('abc'), undefined);
    assert.equal(parseEntityTagList('"a", *'), undefined);
  });
});

describe('evaluatePreconditions', () => {
  const validators = { etag: { weak: false, opaque: 'x' }, modified: new Date('2024-01-01T00:00:00Z') };
  const outcome = (headers: Record<string, string>): string => evaluatePreconditions(headers, validators);

  it('follows RFC 9110 §13.2.2: If-Match, then If-None-Match, each hiding its date field', () => {
    assert.equal(outcome({ 'if-match': '"y"', 'if-none-match': '"x"' }), 'failed');
    assert.equal(
      outcome({ 'if-match': '"x"', 'if-unmodified-since': 'Sun, 31 Dec 2023 00:00:00 GMT' }),
      'proceed',
    );
    assert.equal(outcome({ 'if-unmodified-since': 'Sun, 31 Dec 2023 00:00:00 GMT' }), 'failed');
    assert.equal(outcome({ 'if-unmodified-since': 'garbage' }), 'proceed');
    assert.equal(
      outcome({ 'if-none-match': '"y"', 'if-modified-since': 'Tue, 02 Jan 2024 00:00:00 GMT' }),
      'proceed',
    );
    assert.equal(outcome({ 'if-modified-since': 'Tue, 02 Jan 2024 00:00:00 GMT' }), 'not-modified');
    assert.equal(outcome({ 'if-modified-since': 'Sun, 31 Dec 2023 23:59:59 GMT' }), 'proceed');
  });
});

describe('chooseRanges', () => {
  it('resolves, clips, merges and keeps request order', () => {
    assert.deepEqual(chooseRanges('bytes=-5,0-1,2-3,,', 100), {
      kind: 'partial',
      ranges: [
        { start: 95, end: 99 },
        { start: 0, end: 3 },
      ],
    });
    assert.deepEqual(chooseRanges('bytes=-500', 100), { kind: 'partial', ranges: [{ start: 0, end: 99 }] });
    assert.deepEqual(chooseRanges('bytes=50-1000', 100), {
      kind: 'partial',
      ranges: [{ start: 50, end: 99 }],
    });
  });

  it('tells unsatisfiable from invalid, and serves too many ranges whole', () => {
    assert.deepEqual(chooseRanges('bytes=100-', 100), { kind: 'unsatisfiable' });
    assert.deepEqual(chooseRanges('bytes=-0', 100), { kind: 'unsatisfiable' });
    assert.deepEqual(chooseRanges('bytes=0-', 0), { kind: 'unsatisfiable' });
    assert.deepEqual(chooseRanges('bytes=3-2', 100), { kind: 'whole' });
    assert.deepEqual(chooseRanges('lines=1-2', 100), { kind: 'whole' });
    const many = (n: number): string =>
      `bytes=${Array.from({ length: n }, (_, i) => `${i * 2}-${i * 2}`).join(',')}`;
    assert.equal(chooseRanges(many(MAX_RANGES), 100).kind, 'partial');
    assert.deepEqual(chooseRanges(many(MAX_RANGES + 1), 100), { kind: 'whole' });
  });
});

describe('multipart/byteranges', () => {
  it('lays the body out exactly, and streams it from the file with the stated length', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmproxy-byteranges-'));
    try {
      writeFileSync(join(dir, 'f'), 'abcdefghijklmnopqrstuvwxyz');
      const plan = planByteRanges(
        [
          { start: 0, end: 2 },
          { start: 23, end: 25 },
        ],
        26,
        'text/plain',
        'BOUND',
      );
      const expected =
        '--BOUND\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-2/26\r\n\r\nabc' +
        '\r\n--BOUND\r\nContent-Type: text/plain\r\nContent-Range: bytes 23-25/26\r\n\r\nxyz' +
        '\r\n--BOUND--\r\n';
      assert.equal(plan.contentType, 'multipart/byteranges; boundary=BOUND');
      assert.equal(plan.length, expected.length);
      const handle = await open(join(dir, 'f'));
      assert.equal(await text(byteRangesStream(plan, handle)), expected);
      // 'close' (which closes the file) follows 'end' by a tick or two.
      for (let tries = 0; handle.fd !== -1 && tries < 50; tries++) await sleep(10);
      assert.equal(handle.fd, -1, 'the stream closed the file');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('served types', () => {
  it('shows inline only non-SVG images, audio, video and plain text', () => {
    const inline = ['image/png', 'IMAGE/GIF', 'video/webm', 'audio/mpeg', 'text/plain; charset=utf-8'];
    const attached = ['image/svg+xml', 'image/x-svg', 'text/html', 'text/csv', 'application/pdf', 'nonsense'];
    for (const type of inline) assert.equal(shownInline(type), true, type);
    for (const type of attached) assert.equal(shownInline(type), false, type);
  });

  it('keeps a well-formed stored type and replaces anything else', () => {
    assert.equal(servedContentType('text/plain; charset="utf-8"'), 'text/plain; charset="utf-8"');
    for (const bad of ['text', 'text/', '/plain', 'text/plain\r\nX: y', 'tëxt/plain', 'a b/c'])
      assert.equal(servedContentType(bad), 'application/octet-stream', bad);
  });

  it('names a file even when its name holds half a surrogate pair', () => {
    assert.equal(
      dispositionHeader('image/png', 'a\uD800b.png'),
      'inline; filename="a?b.png"; filename*=UTF-8\'\'a%EF%BF%BDb.png',
    );
  });
});
