import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  anchorFromTomlDate,
  cycleStart,
  DEFAULT_CYCLE_ANCHOR,
  nextCycle,
  parseAnchor,
} from '../../src/metering/cycle.js';
import { parse as parseToml } from 'smol-toml';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('reset cycles on a fixed grid', () => {
  it('advances by whole cycles from the anchor (the research note: 09-07, 7 days, checked 09-18 → 09-14)', () => {
    const anchor = new Date('2019-09-07T00:00:00Z');
    const start = cycleStart(new Date('2019-09-18T00:00:00Z'), 7 * DAY, anchor);
    assert.equal(start.toISOString(), '2019-09-14T00:00:00.000Z');
    assert.equal(
      nextCycle(new Date('2019-09-18T00:00:00Z'), 7 * DAY, anchor).toISOString(),
      '2019-09-21T00:00:00.000Z',
    );
  });

  it('puts a moment exactly on a boundary at the start of the new cycle', () => {
    const anchor = new Date('2019-09-07T00:00:00Z');
    assert.equal(
      cycleStart(new Date('2019-09-14T00:00:00Z'), 7 * DAY, anchor).toISOString(),
      '2019-09-14T00:00:00.000Z',
    );
    assert.equal(
      cycleStart(new Date('2019-09-13T23:59:59.999Z'), 7 * DAY, anchor).toISOString(),
      '2019-09-07T00:00:00.000Z',
    );
  });

  it('works for moments before the anchor', () => {
    const anchor = new Date('2019-09-07T00:00:00Z');
    assert.equal(
      cycleStart(new Date('2019-09-06T12:00:00Z'), 7 * DAY, anchor).toISOString(),
      '2019-08-31T00:00:00.000Z',
    );
    assert.equal(
      cycleStart(new Date('2019-08-31T00:00:00Z'), 7 * DAY, anchor).toISOString(),
      '2019-08-31T00:00:00.000Z',
    );
  });

  it('by default resets "24h" at 00:00 UTC and "168h" on Mondays at 00:00 UTC', () => {
    assert.equal(DEFAULT_CYCLE_ANCHOR.getUTCDay(), 1);
    const thursday = new Date('2026-11-19T15:30:00Z');
    assert.equal(cycleStart(thursday, 24 * HOUR).toISOString(), '2026-11-19T00:00:00.000Z');
    assert.equal(nextCycle(thursday, 24 * HOUR).toISOString(), '2026-11-20T00:00:00.000Z');
    assert.equal(cycleStart(thursday, 168 * HOUR).toISOString(), '2026-11-16T00:00:00.000Z');
    assert.equal(nextCycle(thursday, 168 * HOUR).toISOString(), '2026-11-23T00:00:00.000Z');
  });

  it('refuses a cycle of zero or negative length (the original crashed)', () => {
    assert.throws(() => cycleStart(new Date(), 0), RangeError);
    assert.throws(() => cycleStart(new Date(), -DAY), RangeError);
    assert.throws(() => nextCycle(new Date(), Number.NaN), RangeError);
  });
});

describe('reset anchors', () => {
  it('reads RFC 3339 with an offset', () => {
    assert.equal(
      (parseAnchor('2024-01-01T00:00:00-04:00') as Date).toISOString(),
      '2024-01-01T04:00:00.000Z',
    );
    assert.equal((parseAnchor('2024-01-01T06:30:00Z') as Date).toISOString(), '2024-01-01T06:30:00.000Z');
    assert.equal(
      (parseAnchor('2024-01-01T00:00:00.250+05:30') as Date).toISOString(),
      '2023-12-31T18:30:00.250Z',
    );
  });

  it('takes a date or date-time without offset in the server’s local time (local midnight)', () => {
    const local = parseAnchor('2024-03-05') as Date;
    assert.ok(local instanceof Date);
    assert.deepEqual(
      [local.getFullYear(), local.getMonth(), local.getDate(), local.getHours(), local.getMinutes()],
      [2024, 2, 5, 0, 0],
    );
    const t = parseAnchor('2024-03-05T06:07') as Date;
    assert.deepEqual([t.getDate(), t.getHours(), t.getMinutes()], [5, 6, 7]);
  });

  it('says what is wrong with a bad anchor', () => {
    for (const bad of ['tomorrow', '2024-02-31', '2024-01-01T25:00:00Z', '2024-1-1', '']) {
      const r = parseAnchor(bad);
      assert.ok(!(r instanceof Date), bad);
      assert.match(r.error, /RFC 3339/u);
    }
  });

  it('reads TOML datetimes: with offset as written, local ones in local time, a bare time refused', () => {
    const t = parseToml(
      'a = 2024-01-01T00:00:00-04:00\nb = 2024-01-01T00:00:00\nc = 2024-01-01\nd = 06:00:00',
    ) as Record<string, Date>;
    assert.equal((anchorFromTomlDate(t['a'] as Date) as Date).toISOString(), '2024-01-01T04:00:00.000Z');
    const b = anchorFromTomlDate(t['b'] as Date) as Date;
    assert.deepEqual([b.getFullYear(), b.getMonth(), b.getDate(), b.getHours()], [2024, 0, 1, 0]);
    const c = anchorFromTomlDate(t['c'] as Date) as Date;
    assert.deepEqual([c.getFullYear(), c.getMonth(), c.getDate(), c.getHours()], [2024, 0, 1, 0]);
    assert.ok(!(anchorFromTomlDate(t['d'] as Date) instanceof Date));
  });
});
