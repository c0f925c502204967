import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAILY_TOTALS_KEPT, Ledger } from '../../src/metering/ledger.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { ManualClock } from '../../src/util/clock.js';
import { lastDays, localDay } from '../../src/util/local-day.js';

const HOUR = 3_600_000;
const DAILY = { lengthMs: 24 * HOUR, anchor: new Date(2026, 0, 5) };
/** Local noon of a November day: the tests' days are this machine's calendar days, as the server's are. */
const november = (day: number, hour = 12) => new Date(2026, 10, day, hour);
const WEEK = { first: '2026-11-01', last: '2026-11-30' };

describe('daily totals', () => {
  let dir: string;
  let n = 0;
  const open: Store[] = [];
  const openStore = () => {
    const s = SqliteStore.open(join(dir, `store-${n++}.sqlite`));
    open.push(s);
    return s;
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pmproxy-daily-'));
  });
  after(() => {
    for (const s of open) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts what was charged on the local day of the write, per manager and user', () => {
    const store = openStore();
    const clock = new ManualClock(november(20));
    const ledger = new Ledger(store, clock);
    ledger.register('down', DAILY);
    ledger.register('up', DAILY);
    ledger.add('down', 'alice', 300);
    ledger.add('down', 'bob', 20);
    ledger.add('up', 'alice', 7);
    ledger.writePending();
    clock.set(november(21, 9));
    ledger.add('down', 'alice', 5);
    ledger.writePending();
    ledger.writePending(); // nothing new: nothing added twice
    assert.deepEqual(
      store.daily.sum('down', WEEK),
      new Map([
        ['2026-11-20', 320],
        ['2026-11-21', 5],
      ]),
    );
    assert.deepEqual(store.daily.sum('down', WEEK, ['alice']).get('2026-11-20'), 300);
    assert.deepEqual(store.daily.sum('up', WEEK, ['alice', 'alice']), new Map([['2026-11-20', 7]]));
    assert.deepEqual(store.daily.sum('down', WEEK, []), new Map());
  });

  it('keeps the bytes of a cycle that ended before the write, and is not changed by a reset', () => {
    const store = openStore();
    const clock = new ManualClock(november(20, 23));
    const ledger = new Ledger(store, clock);
    ledger.register('down', DAILY);
    ledger.add('down', 'alice', 1000);
    clock.set(november(21, 0).getTime() + 10);
    ledger.set('down', 'alice', 0);
    ledger.writePending();
    assert.equal(ledger.used('down', 'alice'), 0);
    assert.equal(
      [...store.daily.sum('down', WEEK).values()].reduce((a, b) => a + b, 0),
      1000,
    );
  });

  it('writes a total once after a failed write (the same transaction as the consumption)', () => {
    const real = openStore();
    let fail = true;
    const store = new Proxy(real, {
      get(target, prop) {
        if (prop === 'addConsumption' && fail) {
          return () => {
            fail = false;
            throw new Error('SQLITE_BUSY: database is locked');
          };
        }
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(target) : v;
      },
    });
    const ledger = new Ledger(store, new ManualClock(november(20)));
    ledger.register('down', DAILY);
    ledger.add('down', 'alice', 64);
    assert.throws(() => ledger.writePending(), /locked/u);
    assert.deepEqual(real.daily.sum('down', WEEK), new Map());
    ledger.writePending();
    assert.deepEqual(real.daily.sum('down', WEEK), new Map([['2026-11-20', 64]]));
  });

  it(`forgets days older than ${DAILY_TOTALS_KEPT} at the first write of a day`, () => {
    const store = openStore();
    const today = november(20);
    const kept = lastDays(today, DAILY_TOTALS_KEPT);
    const oldest = kept[0] ?? '';
    const tooOld = localDay(new Date(2026, 10, 20 - DAILY_TOTALS_KEPT, 12));
    store.daily.add('down', oldest, new Map([['alice', 1]]));
    store.daily.add('down', tooOld, new Map([['alice', 2]]));
    const ledger = new Ledger(store, new ManualClock(today));
    ledger.register('down', DAILY);
    ledger.add('down', 'alice', 3);
    ledger.writePending();
    const all = store.daily.sum('down', { first: '2000-01-01', last: '2100-01-01' });
    assert.deepEqual([...all.keys()].sort(), [oldest, '2026-11-20']);
  });

  it('counts calendar days across a daylight-saving change', () => {
    const days = lastDays(new Date(2026, 2, 31, 12), 31);
    assert.equal(days.length, 31);
    assert.equal(days[0], '2026-03-01');
    assert.equal(days.at(-1), '2026-03-31');
    assert.equal(new Set(days).size, 31);
    assert.equal(lastDays(new Date(2026, 0, 2, 0, 30), 3).join(' '), '2025-12-31 2026-01-01 2026-01-02');
  });
});
