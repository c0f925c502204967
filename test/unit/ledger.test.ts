import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '../../src/metering/ledger.js';
import { cycleStart } from '../../src/metering/cycle.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { ManualClock } from '../../src/util/clock.js';

const DAY = 24 * 3_600_000;
const ANCHOR = new Date('1970-01-05T00:00:00Z');
const DAILY = { lengthMs: DAY, anchor: ANCHOR };

/** The real store, with the next `addConsumption` calls made to fail (a full disk, a locked file). */
function withFailingWrites(store: Store): { store: Store; failNext: (n: number) => void } {
  let failures = 0;
  const wrapped = new Proxy(store, {
    get(target, prop) {
      if (prop === 'addConsumption' && failures > 0) {
        return () => {
          failures -= 1;
          throw new Error('SQLITE_BUSY: database is locked');
        };
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { store: wrapped, failNext: (n) => (failures = n) };
}

describe('consumption ledger over a SQLite store', () => {
  let dir: string;
  let n = 0;
  const open: Store[] = [];
  const freshPath = () => join(dir, `store-${n++}.sqlite`);
  const openStore = (path: string) => {
    const s = SqliteStore.open(path);
    open.push(s);
    return s;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pmproxy-ledger-'));
  });
  after(() => {
    for (const s of open) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts in memory and keeps the counts across a flush and a restart', () => {
    const path = freshPath();
    const clock = new ManualClock('2026-11-20T10:00:00Z');
    const store = openStore(path);
    const ledger = new Ledger(store, clock);
    ledger.register('down', DAILY);
    ledger.add('down', 'alice', 1000);
    ledger.add('down', 'alice', 24);
    ledger.add('down', 'bob', 7);
    assert.equal(ledger.used('down', 'alice'), 1024);
    assert.equal(ledger.used('down', 'carol'), 0);
    // Nothing reaches the store before a flush: the hot path does no I/O.
    const start = cycleStart(clock.now(), DAY, ANCHOR).getTime();
    assert.equal(store.consumption('down', start).get('alice') ?? 0, 0);
    ledger.flush();
    assert.equal(store.consumption('down', start).get('alice'), 1024);
    ledger.add('down', 'alice', 1);
    ledger.flush();
    ledger.add('down', 'alice', 99); // lost with the process, as at most one interval is
    store.close();
    open.pop();

    const restarted = new Ledger(openStore(path), clock);
    restarted.register('down', DAILY);
    assert.equal(restarted.used('down', 'alice'), 1025);
    assert.equal(restarted.used('down', 'bob'), 7);
  });

  it('keeps managers apart', () => {
    const clock = new ManualClock('2026-11-20T10:00:00Z');
    const ledger = new Ledger(openStore(freshPath()), clock);
    ledger.register('down', DAILY);
    ledger.register('weekly', { lengthMs: 7 * DAY, anchor: ANCHOR });
    ledger.add('down', 'alice', 10);
    ledger.add('weekly', 'alice', 20);
    ledger.flush();
    assert.equal(ledger.used('down', 'alice'), 10);
    assert.equal(ledger.used('weekly', 'alice'), 20);
  });

  it('restarts the counts at 0 the moment the clock enters a new cycle, not at the next flush', () => {
    const clock = new ManualClock('2026-11-20T23:59:00Z');
    const store = openStore(freshPath());
    const ledger = new Ledger(store, clock);
    ledger.register('down', DAILY);
    ledger.add('down', 'alice', 500);
    ledger.flush();
    ledger.add('down', 'alice', 100);
    assert.equal(ledger.used('down', 'alice'), 600);
    assert.deepEqual(ledger.cycle('down'), {
      start: new Date('2026-11-20T00:00:00Z'),
      next: new Date('2026-11-21T00:00:00Z'),
    });

    clock.set('2026-11-21T00:00:00Z');
    assert.equal(ledger.used('down', 'alice'), 0);
    assert.deepEqual(ledger.cycle('down'), {
      start: new Date('2026-11-21T00:00:00Z'),
      next: new Date('2026-11-22T00:00:00Z'),
    });
    ledger.add('down', 'alice', 3);
    ledger.flush();
    // The old cycle's unflushed bytes do not leak into the new cycle.
    assert.equal(ledger.used('down', 'alice'), 3);
    assert.equal(store.consumption('down', Date.parse('2026-11-21T00:00:00Z')).get('alice'), 3);
  });

  it('a restart in a later cycle starts from 0', () => {
    const path = freshPath();
    const clock = new ManualClock('2026-11-20T10:00:00Z');
    const ledger = new Ledger(openStore(path), clock);
    ledger.register('down', DAILY);
    ledger.add('down', 'alice', 500);
    ledger.flush();
    clock.set('2026-11-22T10:00:00Z');
    const later = new Ledger(openStore(path), clock);
    later.register('down', DAILY);
    assert.equal(later.used('down', 'alice'), 0);
  });

  it('sees a reset another process wrote to the store after its next flush', () => {
    const path = freshPath();
    const clock = new ManualClock('2026-11-20T10:00:00Z');
    const server = new Ledger(openStore(path), clock);
    server.register('down', DAILY);
    server.add('down', 'alice', 5000);
    server.add('down', 'bob', 4000);
    server.flush();

    // `pmproxy quota reset alice` runs as its own process with its own store handle.
    const admin = new Ledger(openStore(path), clock);
    admin.register('down', DAILY);
    assert.equal(admin.used('down', 'alice'), 5000);
    admin.set('down', 'alice', 0);
    admin.set('down', 'bob', 0);

    assert.equal(server.used('down', 'alice'), 5000, 'memory is the store at the last sync');
    server.add('down', 'alice', 10); // charged after the reset, before the server's flush
    server.flush();
    assert.equal(server.used('down', 'alice'), 10);
    assert.equal(server.used('down', 'bob'), 0, 'a user with nothing pending is re-read too');
  });

  it('writes a set through to the store at once (a reset to 0, not 1)', () => {
    const path = freshPath();
    const clock = new ManualClock('2026-11-20T10:00:00Z');
    const ledger = new Ledger(openStore(path), clock);
    ledger.register('down', DAILY);
    ledger.add('down', 'alice', 700);
    ledger.flush();
    ledger.add('down', 'alice', 300);
    ledger.set('down', 'alice', 0);
    assert.equal(ledger.used('down', 'alice'), 0);
    const other = openStore(path);
    assert.equal(other.consumption('down', Date.parse('2026-11-20T00:00:00Z')).get('alice'), 0);
    ledger.flush();
    assert.equal(ledger.used('down', 'alice'), 0, 'bytes pending before the reset are not written after it');
    ledger.set('down', 'bob', 19);
    assert.equal(other.consumption('down', Date.parse('2026-11-20T00:00:00Z')).get('bob'), 19);
    assert.throws(() => ledger.set('down', 'bob', -1), RangeError);
  });

  it('never loses counts of interleaved flows of one user', () => {
    const clock = new ManualClock('2026-11-20T10:00:00Z');
    const ledger = new Ledger(openStore(freshPath()), clock);
    ledger.register('down', DAILY);
    let expected = 0;
    for (let i = 0; i < 1000; i++) {
      ledger.add('down', 'alice', 1400); // flow one
      ledger.add('down', 'alice', 16_384); // flow two
      expected += 1400 + 16_384;
      if (i % 97 === 0) ledger.flush();
    }
    assert.equal(ledger.used('down', 'alice'), expected);
    ledger.flush();
    assert.equal(ledger.used('down', 'alice'), expected);
  });

  it('keeps pending counts when a flush fails, and writes them on the next one', () => {
    const path = freshPath();
    const clock = new ManualClock('2026-11-20T10:00:00Z');
    const real = openStore(path);
    const { store, failNext } = withFailingWrites(real);
    const ledger = new Ledger(store, clock);
    ledger.register('down', DAILY);
    ledger.register('other', DAILY);
    ledger.add('down', 'alice', 100);
    ledger.add('other', 'alice', 5);
    failNext(1);
    assert.throws(() => ledger.flush(), /database is locked/u);
    assert.equal(ledger.used('down', 'alice') + ledger.used('other', 'alice'), 105);
    ledger.add('down', 'alice', 1);
    ledger.flush();
    const start = Date.parse('2026-11-20T00:00:00Z');
    assert.equal(real.consumption('down', start).get('alice'), 101);
    assert.equal(real.consumption('other', start).get('alice'), 5);
  });

  it('keeps counts when registered again (a configuration reload), also when the cycle changes', () => {
    const clock = new ManualClock('2026-11-16T10:00:00Z'); // a Monday
    const ledger = new Ledger(openStore(freshPath()), clock);
    ledger.register('down', DAILY);
    ledger.add('down', 'alice', 42);
    ledger.register('down', DAILY);
    assert.equal(ledger.used('down', 'alice'), 42);
    // A weekly cycle that started at the same moment carries on with what was counted.
    ledger.register('down', { lengthMs: 7 * DAY, anchor: ANCHOR });
    ledger.add('down', 'alice', 8);
    assert.equal(ledger.used('down', 'alice'), 50);
    assert.deepEqual(ledger.cycle('down').next, new Date('2026-11-23T00:00:00Z'));
  });

  it('refuses a manager that never registered its cycle', () => {
    const ledger = new Ledger(openStore(freshPath()), new ManualClock(0));
    assert.throws(() => ledger.used('nobody', 'alice'), /no reset cycle registered/u);
  });
});
