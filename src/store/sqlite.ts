import type { GroupQuotaOverrides } from './group-quota-overrides.js';
import { SqliteGroupQuotaOverrides } from './sqlite-group-quota-overrides.js';
import type { DailyTotals } from './daily-totals.js';
import { SqliteDailyTotals } from './sqlite-daily-totals.js';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import type { SessionRecord, Store, StoredUser } from './types.js';
import { migrate } from './migrations.js';
import { openDatabase } from './sqlite-open.js';
import type { FileRecords } from './file-records.js';
import { SqliteFileRecords } from './sqlite-file-records.js';
import type { LoginFailures } from './login-failures.js';
import { SqliteLoginFailures } from './sqlite-login-failures.js';

/**
 * Meta key rewritten (with a fresh random value) after every change of a user's password or
 * existence, by whichever process made it: verification caches drop what they remembered.
 */
export const USERS_CHANGED_KEY = 'users.changed';

/**
 * How long a writer waits for the other process (server or admin command) to finish its write, by
 * default: an admin command can afford to wait.
 */
const BUSY_TIMEOUT_MS = 5000;
/**
 * The server's wait. better-sqlite3 is synchronous, so the wait stalls the event loop, proxying
 * and all: with another process holding the file (a backup tool, sqlite3 left in a transaction) a
 * 5 s wait on each flush stalled every request for 5 s. A write that cannot wait fails instead: a
 * flush keeps its counts for the next interval, a request answers 503 (see storage-faults.ts).
 */
export const SERVER_BUSY_TIMEOUT_MS = 100;

interface UserRow {
  name: string;
  display_name: string;
  password_hash: string;
  groups: string;
}
interface SessionRow {
  manager: string;
  ip: string;
  user: string;
  opened_at: number;
  last_seen: number;
}

/**
 * The SQLite store (better-sqlite3, synchronous). WAL with synchronous=NORMAL: a commit survives a
 * process crash, and readers never block the writer, so the admin CLI and the running server can
 * share the file. Every statement is prepared once.
 */
export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #sql;
  readonly files: FileRecords;
  readonly logins: LoginFailures;
  readonly groupQuotas: GroupQuotaOverrides;
  readonly daily: DailyTotals;

  private constructor(db: Database.Database) {
    this.#db = db;
    this.#sql = prepareStatements(db);
    this.files = new SqliteFileRecords(db);
    this.logins = new SqliteLoginFailures(db);
    this.groupQuotas = new SqliteGroupQuotaOverrides(db);
    this.daily = new SqliteDailyTotals(db);
  }

  /**
   * Opens (creating folders, file and schema as needed) the store at `path`; ':memory:' for tests.
   * Once open, a write waits up to `busyTimeoutMs` for another process's to end before it fails;
   * opening (the schema's migration) always waits the default.
   */
  static open(path: string, busyTimeoutMs = BUSY_TIMEOUT_MS): SqliteStore {
    const inMemory = path === ':memory:' || path === '';
    if (!inMemory) mkdirSync(dirname(path), { recursive: true });
    const db = openDatabase(path, { timeout: BUSY_TIMEOUT_MS });
    try {
      // exec, not pragma(): see openDatabase.
      db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = NORMAL');
      db.exec('PRAGMA foreign_keys = ON');
      migrate(db, path);
      db.exec(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
      return new SqliteStore(db);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  getUser(name: string): StoredUser | undefined {
    const row = this.#sql.getUser.get(name);
    return row === undefined ? undefined : toUser(row);
  }

  listUsers(): StoredUser[] {
    return this.#sql.listUsers.all().map(toUser);
  }

  putUser(user: { name: string; passwordHash: string; displayName?: string }): void {
    this.#sql.putUser.run({
      name: user.name,
      hash: user.passwordHash,
      display: user.displayName ?? null,
      now: Date.now(),
    });
    this.setMeta(USERS_CHANGED_KEY, randomUUID());
  }

  deleteUser(name: string): boolean {
    const deleted = this.#sql.deleteUser.run(name).changes > 0;
    if (deleted) this.setMeta(USERS_CHANGED_KEY, randomUUID());
    return deleted;
  }

  setGroups(name: string, groups: readonly string[]): void {
    this.#sql.setGroups(name, groups);
  }

  putSession(session: SessionRecord): void {
    // OR REPLACE drops every row that conflicts with the primary key (manager, ip) or with the
    // unique (manager, user): one user per address and one address per user within a manager.
    this.#sql.putSession.run(session.manager, session.ip, session.user, session.openedAt, session.lastSeen);
  }

  deleteSession(manager: string, ip: string): boolean {
    return this.#sql.deleteSession.run(manager, ip).changes > 0;
  }

  deleteUserSessions(user: string, manager?: string): number {
    const result =
      manager === undefined
        ? this.#sql.deleteUserSessions.run(user)
        : this.#sql.deleteUserSessionsOf.run(user, manager);
    return result.changes;
  }

  listSessions(manager?: string): SessionRecord[] {
    const rows = manager === undefined ? this.#sql.listSessions.all() : this.#sql.listSessionsOf.all(manager);
    return rows.map(toSession);
  }

  touchSessions(touches: readonly { manager: string; ip: string; lastSeen: number }[]): void {
    if (touches.length > 0) this.#sql.touchSessions(touches);
  }

  consumption(manager: string, cycleStart: number): Map<string, number> {
    const out = new Map<string, number>();
    for (const row of this.#sql.consumption.all(manager, cycleStart)) out.set(row.user, row.bytes);
    return out;
  }

  addConsumption(
    manager: string,
    cycleStart: number,
    deltas: ReadonlyMap<string, number>,
  ): Map<string, number> {
    for (const [user, bytes] of deltas) checkBytes(`consumption delta of ${user}`, bytes);
    return this.#sql.addConsumption(manager, cycleStart, deltas);
  }

  setConsumption(manager: string, user: string, cycleStart: number, bytes: number): void {
    checkBytes(`consumption of ${user}`, bytes);
    this.#sql.setConsumption.run(manager, user, cycleStart, bytes);
  }

  atomically<T>(work: () => T): T {
    // IMMEDIATE takes the write lock at the start (see SqliteFileRecords.atomically).
    return this.#db.transaction(work).immediate();
  }

  getMeta(key: string): string | undefined {
    return this.#sql.getMeta.get(key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.#sql.setMeta.run(key, value);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

function prepareStatements(db: Database.Database) {
  const userColumns = `u.name, u.display_name, u.password_hash,
    (SELECT json_group_array(grp ORDER BY rowid) FROM user_groups WHERE user = u.name) AS groups`;
  const sessionColumns = 'manager, ip, user, opened_at, last_seen';

  const deleteGroups = db.prepare<[string]>('DELETE FROM user_groups WHERE user = ?');
  const insertGroup = db.prepare<[string, string]>(
    'INSERT OR IGNORE INTO user_groups (user, grp) VALUES (?, ?)',
  );
  const userExists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM users WHERE name = ?');
  const touchSession = db.prepare<[number, string, string]>(
    'UPDATE sessions SET last_seen = max(last_seen, ?) WHERE manager = ? AND ip = ?',
  );
  const addOne = db.prepare<[string, string, number, number], { bytes: number }>(
    // Every expression in DO UPDATE reads the row as it was: a row of an older cycle restarts at the
    // delta; a delta for a cycle older than the row's is dropped, because that cycle is over.
    `INSERT INTO consumption (manager, user, cycle_start, bytes) VALUES (?, ?, ?, ?)
     ON CONFLICT (manager, user) DO UPDATE SET
       bytes = CASE
         WHEN cycle_start < excluded.cycle_start THEN excluded.bytes
         WHEN cycle_start = excluded.cycle_start THEN bytes + excluded.bytes
         ELSE bytes END,
       cycle_start = max(cycle_start, excluded.cycle_start)
     RETURNING bytes`,
  );

  return {
    getUser: db.prepare<[string], UserRow>(`SELECT ${userColumns} FROM users u WHERE u.name = ?`),
    listUsers: db.prepare<[], UserRow>(`SELECT ${userColumns} FROM users u ORDER BY u.name`),
    putUser: db.prepare<[{ name: string; hash: string; display: string | null; now: number }]>(
      `INSERT INTO users (name, display_name, password_hash, created_at)
       VALUES (@name, coalesce(@display, @name), @hash, @now)
       ON CONFLICT (name) DO UPDATE SET
         password_hash = excluded.password_hash,
         display_name = coalesce(@display, display_name)`,
    ),
    deleteUser: db.prepare<[string]>('DELETE FROM users WHERE name = ?'),
    setGroups: db.transaction((name: string, groups: readonly string[]) => {
      if (userExists.get(name) === undefined) throw new Error(`no user "${name}" in the store`);
      deleteGroups.run(name);
      for (const g of groups) insertGroup.run(name, g);
    }),

    putSession: db.prepare<[string, string, string, number, number]>(
      `INSERT OR REPLACE INTO sessions (${sessionColumns}) VALUES (?, ?, ?, ?, ?)`,
    ),
    deleteSession: db.prepare<[string, string]>('DELETE FROM sessions WHERE manager = ? AND ip = ?'),
    deleteUserSessions: db.prepare<[string]>('DELETE FROM sessions WHERE user = ?'),
    deleteUserSessionsOf: db.prepare<[string, string]>('DELETE FROM sessions WHERE user = ? AND manager = ?'),
    listSessions: db.prepare<[], SessionRow>(
      `SELECT ${sessionColumns} FROM sessions ORDER BY manager, opened_at, ip`,
    ),
    listSessionsOf: db.prepare<[string], SessionRow>(
      `SELECT ${sessionColumns} FROM sessions WHERE manager = ? ORDER BY opened_at, ip`,
    ),
    touchSessions: db.transaction((touches: readonly { manager: string; ip: string; lastSeen: number }[]) => {
      for (const t of touches) touchSession.run(t.lastSeen, t.manager, t.ip);
    }),

    consumption: db.prepare<[string, number], { user: string; bytes: number }>(
      'SELECT user, bytes FROM consumption WHERE manager = ? AND cycle_start >= ?',
    ),
    addConsumption: db.transaction(
      (manager: string, cycleStart: number, deltas: ReadonlyMap<string, number>) => {
        const totals = new Map<string, number>();
        for (const [user, bytes] of deltas) {
          const row = addOne.get(manager, user, cycleStart, bytes);
          if (row !== undefined) totals.set(user, row.bytes);
        }
        return totals;
      },
    ),
    setConsumption: db.prepare<[string, string, number, number]>(
      `INSERT INTO consumption (manager, user, cycle_start, bytes) VALUES (?, ?, ?, ?)
       ON CONFLICT (manager, user) DO UPDATE SET cycle_start = excluded.cycle_start, bytes = excluded.bytes`,
    ),

    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare<[string, string]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
  };
}

function toUser(row: UserRow): StoredUser {
  return {
    name: row.name,
    displayName: row.display_name,
    passwordHash: row.password_hash,
    groups: JSON.parse(row.groups) as string[],
  };
}

function toSession(row: SessionRow): SessionRecord {
  return {
    manager: row.manager,
    ip: row.ip,
    user: row.user,
    openedAt: row.opened_at,
    lastSeen: row.last_seen,
  };
}

function checkBytes(what: string, bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new RangeError(`${what} must be a non-negative integer, not ${bytes}`);
  }
}
