import type { FileRecords } from './file-records.js';
import type { LoginFailures } from './login-failures.js';
import type { GroupQuotaOverrides } from './group-quota-overrides.js';
import type { DailyTotals } from './daily-totals.js';

/**
 * Persistence behind one interface. SQLite (better-sqlite3, synchronous) is the default; every
 * method is synchronous so the hot path never awaits the store. Times are epoch milliseconds.
 */
export interface StoredUser {
  readonly name: string;
  readonly displayName: string;
  /** argon2 PHC string. */
  readonly passwordHash: string;
  readonly groups: readonly string[];
}

export interface SessionRecord {
  /** The sessionIPM manager that opened it. */
  readonly manager: string;
  readonly ip: string;
  readonly user: string;
  readonly openedAt: number;
  readonly lastSeen: number;
}

export interface Store {
  /** The file server's catalog. */
  readonly files: FileRecords;
  /** Failed password attempts per (user, address) and per address. */
  readonly logins: LoginFailures;
  /** Group quotas set at run time over `[dwnConsR.groupQuota]`. */
  readonly groupQuotas: GroupQuotaOverrides;
  /** Bytes charged per quota manager, user and local day. */
  readonly daily: DailyTotals;

  // users and groups of sqlDB
  getUser(name: string): StoredUser | undefined;
  listUsers(): StoredUser[];
  /** Creates the user, or replaces the hash (and display name when given) of an existing one. */
  putUser(user: { name: string; passwordHash: string; displayName?: string }): void;
  deleteUser(name: string): boolean;
  setGroups(name: string, groups: readonly string[]): void;

  // sessions of sessionIPM managers
  /** Within one manager, one user per address and one address per user: older ones are replaced. */
  putSession(session: SessionRecord): void;
  deleteSession(manager: string, ip: string): boolean;
  deleteUserSessions(user: string, manager?: string): number;
  listSessions(manager?: string): SessionRecord[];
  touchSessions(touches: readonly { manager: string; ip: string; lastSeen: number }[]): void;

  // download and upload consumption, per manager, user and reset cycle
  /** Bytes per user in the cycle that starts at `cycleStart`; rows of older cycles count as 0. */
  consumption(manager: string, cycleStart: number): Map<string, number>;
  /** Adds deltas in one transaction; a row of an older cycle restarts at its delta. Returns the new totals. */
  addConsumption(
    manager: string,
    cycleStart: number,
    deltas: ReadonlyMap<string, number>,
  ): Map<string, number>;
  setConsumption(manager: string, user: string, cycleStart: number, bytes: number): void;

  /** Runs `work` in one write transaction; store calls inside it (and nested calls) join it. */
  atomically<T>(work: () => T): T;

  // small named values (token keys, schema version …)
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;

  close(): void;
}
