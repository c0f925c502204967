import type Database from 'better-sqlite3';
import type { FailureCount, FailureLimits, LoginFailures, Reservation } from './login-failures.js';

interface FailureRow {
  user: string;
  ip: string;
  failures: number;
  expires: number;
}

/** The address's own counter is the row whose user is '' (a typed user name is never empty). */
const ADDRESS = '';

/** Failed logins in the store's SQLite database (table login_failures, migration 3). */
export class SqliteLoginFailures implements LoginFailures {
  readonly #sql;
  readonly #reserve;
  readonly #succeeded;
  readonly #release;

  constructor(db: Database.Database) {
    const sql = {
      get: db.prepare<[string, string, number], FailureRow>(
        'SELECT user, ip, failures, expires FROM login_failures WHERE user = ? AND ip = ? AND expires > ?',
      ),
      // A count whose window ended restarts at 1 with a fresh window.
      add: db.prepare<[{ user: string; ip: string; now: number; window: number }]>(
        `INSERT INTO login_failures (user, ip, failures, expires) VALUES (@user, @ip, 1, @now + @window)
         ON CONFLICT (user, ip) DO UPDATE SET
           failures = CASE WHEN expires > @now THEN failures + 1 ELSE 1 END,
           expires = CASE WHEN expires > @now THEN expires ELSE @now + @window END`,
      ),
      giveBack: db.prepare<[string, string, number]>(
        `UPDATE login_failures SET failures = failures - 1
         WHERE user = ? AND ip = ? AND expires > ? AND failures > 0`,
      ),
      remove: db.prepare<[string, string]>('DELETE FROM login_failures WHERE user = ? AND ip = ?'),
      removeIp: db.prepare<[string]>('DELETE FROM login_failures WHERE ip = ?'),
      removeUser: db.prepare<[string]>('DELETE FROM login_failures WHERE user = ?'),
      atLimit: db.prepare<[{ now: number; perUser: number; perAddress: number }], FailureRow>(
        `SELECT user, ip, failures, expires FROM login_failures
         WHERE expires > @now AND failures >= CASE WHEN user = '' THEN @perAddress ELSE @perUser END
         ORDER BY expires, ip, user`,
      ),
      prune: db.prepare<[number]>('DELETE FROM login_failures WHERE expires <= ? OR failures <= 0'),
    };
    this.#sql = sql;
    this.#reserve = db.transaction(
      (user: string, ip: string, limits: FailureLimits, now: number): Reservation => {
        const pair = sql.get.get(user, ip, now);
        if (pair !== undefined && pair.failures >= limits.perUser)
          return { taken: false, count: toCount(pair) };
        const address = sql.get.get(ADDRESS, ip, now);
        if (address !== undefined && address.failures >= limits.perAddress) {
          return { taken: false, count: toCount(address) };
        }
        sql.add.run({ user, ip, now, window: limits.windowMs });
        sql.add.run({ user: ADDRESS, ip, now, window: limits.windowMs });
        return { taken: true };
      },
    );
    this.#succeeded = db.transaction((user: string, ip: string, now: number) => {
      sql.remove.run(user, ip);
      sql.giveBack.run(ADDRESS, ip, now);
    });
    this.#release = db.transaction((user: string, ip: string, now: number) => {
      sql.giveBack.run(user, ip, now);
      sql.giveBack.run(ADDRESS, ip, now);
    });
  }

  reserve(user: string, ip: string, limits: FailureLimits, now: number): Reservation {
    // IMMEDIATE: the read and the increment are one step for every process sharing the file.
    return this.#reserve.immediate(user, ip, limits, now);
  }

  release(user: string, ip: string, now: number): void {
    this.#release.immediate(user, ip, now);
  }

  succeeded(user: string, ip: string, now: number): void {
    this.#succeeded.immediate(user, ip, now);
  }

  counts(user: string, ip: string, now: number): { pair: number; address: number } {
    return {
      pair: this.#sql.get.get(user, ip, now)?.failures ?? 0,
      address: this.#sql.get.get(ADDRESS, ip, now)?.failures ?? 0,
    };
  }

  unlock(addressOrUser: { ip: string } | { user: string }): number {
    const result =
      'ip' in addressOrUser
        ? this.#sql.removeIp.run(addressOrUser.ip)
        : this.#sql.removeUser.run(addressOrUser.user);
    return result.changes;
  }

  lockouts(limits: FailureLimits, now: number): FailureCount[] {
    return this.#sql.atLimit
      .all({ now, perUser: limits.perUser, perAddress: limits.perAddress })
      .map(toCount);
  }

  prune(now: number): void {
    this.#sql.prune.run(now);
  }
}

function toCount(row: FailureRow): FailureCount {
  return {
    user: row.user === ADDRESS ? undefined : row.user,
    ip: row.ip,
    failures: row.failures,
    expires: row.expires,
  };
}
