import { join } from 'node:path';
import { Ledger } from '../../src/metering/ledger.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { systemClock } from '../../src/util/clock.js';
import { CRASH_DIR, emptyStore } from './crash-servers.js';
import { summarize, type Summary } from './stats.js';

/**
 * What one every-second write costs as the number of accounts charged within the second grows:
 * the ledger and the store of the server, in this process, on a file in bench/out/crash/ (WAL,
 * synchronous=NORMAL, as the server opens it). Each round charges every account a chunk, then
 * times writePending: one transaction of that many upserts.
 */
export function writePendingMs(accounts: number, rounds: number): Summary | undefined {
  const path = join(CRASH_DIR, `ledger-${accounts}.db`);
  emptyStore(path);
  const store = SqliteStore.open(path);
  try {
    const ledger = new Ledger(store, systemClock);
    ledger.register('down', { lengthMs: 24 * 3_600_000, anchor: new Date('1970-01-05T00:00:00Z') });
    const times: number[] = [];
    for (let round = 0; round < rounds + 1; round++) {
      for (let i = 0; i < accounts; i++) ledger.add('down', `user${i}`, 65_536);
      const started = performance.now();
      ledger.writePending();
      // The first round creates the rows; the later ones update them, as a running server does.
      if (round > 0) times.push(performance.now() - started);
    }
    return summarize(times);
  } finally {
    store.close();
    emptyStore(path);
  }
}
