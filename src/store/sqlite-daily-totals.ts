import type Database from 'better-sqlite3';
import type { DailyTotals } from './daily-totals.js';

/** Daily totals in SQLite (table daily_consumption, migration 5). */
export class SqliteDailyTotals implements DailyTotals {
  readonly #add;
  readonly #sumAll;
  readonly #sumOne;
  readonly #purge;
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#add = db.prepare<[string, string, string, number]>(
      `INSERT INTO daily_consumption (manager, user, day, bytes) VALUES (?, ?, ?, ?)
       ON CONFLICT (manager, user, day) DO UPDATE SET bytes = bytes + excluded.bytes`,
    );
    this.#sumAll = db.prepare<[string, string, string], { day: string; bytes: number }>(
      `SELECT day, sum(bytes) AS bytes FROM daily_consumption
       WHERE manager = ? AND day BETWEEN ? AND ? GROUP BY day`,
    );
    this.#sumOne = db.prepare<[string, string, string, string], { day: string; bytes: number }>(
      `SELECT day, bytes FROM daily_consumption
       WHERE manager = ? AND user = ? AND day BETWEEN ? AND ?`,
    );
    this.#purge = db.prepare<[string]>('DELETE FROM daily_consumption WHERE day < ?');
  }

  add(manager: string, day: string, deltas: ReadonlyMap<string, number>): void {
    for (const [user, bytes] of deltas) {
      if (!Number.isSafeInteger(bytes) || bytes < 0) {
        throw new RangeError(`daily total delta of ${user} must be a non-negative integer, not ${bytes}`);
      }
      if (bytes > 0) this.#add.run(manager, user, day, bytes);
    }
  }

  sum(
    manager: string,
    days: { readonly first: string; readonly last: string },
    users?: readonly string[],
  ): Map<string, number> {
    const totals = new Map<string, number>();
    if (users === undefined) {
      for (const row of this.#sumAll.all(manager, days.first, days.last)) totals.set(row.day, row.bytes);
      return totals;
    }
    // One indexed lookup per user: a group is tens to thousands of users, never the whole table.
    const read = this.#db.transaction(() => {
      for (const user of new Set(users)) {
        for (const row of this.#sumOne.all(manager, user, days.first, days.last)) {
          totals.set(row.day, (totals.get(row.day) ?? 0) + row.bytes);
        }
      }
    });
    read();
    return totals;
  }

  purgeBefore(day: string): number {
    return this.#purge.run(day).changes;
  }
}
