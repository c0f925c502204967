import type { UserDirectory, UserEntry } from './types.js';

/** A user with the database it comes from, as the admin page and `pmproxy user ls` list them. */
export interface ListedUser extends UserEntry {
  /** The user database's name (`[sqlDB] name`). */
  readonly db: string;
  /** Its kind: "sqlDB", "mapDB". */
  readonly kind: string;
  /** The database is read-only for pmproxy (users written in managers.toml). */
  readonly readOnly: boolean;
}

/** Every user of every database of the configuration, in database order, then by name. */
export function listAllUsers(directory: UserDirectory): ListedUser[] {
  return directory.names().flatMap((dbName) => {
    const db = directory.get(dbName);
    if (db === undefined) return [];
    return db.list().map((u) => ({ ...u, db: db.name, kind: db.kind, readOnly: db.readOnly }));
  });
}
