import type Database from 'better-sqlite3';
import type { GroupQuotaOverrides } from './group-quota-overrides.js';

/** The overrides in SQLite (table group_quota_overrides), mirrored in memory for the hot path. */
export class SqliteGroupQuotaOverrides implements GroupQuotaOverrides {
  readonly #byManager = new Map<string, Map<string, number>>();
  readonly #put;
  readonly #delete;

  constructor(db: Database.Database) {
    this.#put = db.prepare<[string, string, number]>(
      'INSERT INTO group_quota_overrides (manager, grp, bytes) VALUES (?, ?, ?) ' +
        'ON CONFLICT (manager, grp) DO UPDATE SET bytes = excluded.bytes',
    );
    this.#delete = db.prepare<[string, string]>(
      'DELETE FROM group_quota_overrides WHERE manager = ? AND grp = ?',
    );
    const rows = db
      .prepare<[], { manager: string; grp: string; bytes: number }>(
        'SELECT manager, grp, bytes FROM group_quota_overrides',
      )
      .all();
    for (const row of rows) this.#groups(row.manager).set(row.grp, row.bytes);
  }

  #groups(manager: string): Map<string, number> {
    let groups = this.#byManager.get(manager);
    if (groups === undefined) {
      groups = new Map();
      this.#byManager.set(manager, groups);
    }
    return groups;
  }

  forManager(manager: string): ReadonlyMap<string, number> {
    return this.#byManager.get(manager) ?? new Map();
  }

  set(manager: string, group: string, bytes: number): void {
    this.#put.run(manager, group, bytes);
    this.#groups(manager).set(group, bytes);
  }

  revert(manager: string, group: string): boolean {
    const removed = this.#delete.run(manager, group).changes > 0;
    this.#byManager.get(manager)?.delete(group);
    return removed;
  }
}
