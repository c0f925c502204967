import type { TableReader } from '../config/table-reader.js';
import { verifyPassword, verifyUnknownUser } from '../auth/passwords.js';
import { dummyHashLike } from '../auth/dummy-hash.js';
import { USERS_CHANGED_KEY } from '../store/sqlite.js';
import type { Store } from '../store/types.js';
import type { UserDB, UserEntry } from './types.js';
import type { UserDBKind } from './kind.js';
import { readUserTables, type UserTables } from './user-tables.js';

/** `[sqlDB]`: users and groups kept in the store (`pmproxy user add|passwd|del|groups`). */
export interface SqlDBConfig {
  readonly name: string;
  /**
   * `[sqlDB.seed]`: users put in the store on the first start only (when this database was never
   * seeded), so the admin's later changes and deletions stay.
   */
  readonly seed?: UserTables;
}

export const sqlDBKind: UserDBKind<SqlDBConfig> = {
  kind: 'sqlDB',

  parse(table: TableReader): SqlDBConfig | undefined {
    const name = table.string('name', { required: true, nonEmpty: true });
    const seedTable = table.table('seed');
    const seed = seedTable === undefined ? undefined : readUserTables(seedTable);
    seedTable?.done();
    table.done();
    if (name === undefined) return undefined;
    return seed === undefined ? { name } : { name, seed };
  },

  create(config: SqlDBConfig, store: Store): UserDB {
    return new SqlUserDB(config.name, store);
  },
};

const REVISION_CHECK_MS = 1000;

/** Reads the store on every call, so changes made by the admin CLI in another process apply at once. */
class SqlUserDB implements UserDB {
  readonly kind = 'sqlDB';
  readonly readOnly = false;
  #revision: string | undefined;
  #nextRevisionCheck = 0;
  #dummy: { readonly hash: string; readonly revision: string | undefined } | undefined;

  constructor(
    readonly name: string,
    readonly store: Store,
  ) {}

  verify(user: string, pass: string): Promise<boolean> {
    const found = this.store.getUser(user);
    return found === undefined
      ? verifyUnknownUser(this.dummyHash(), pass)
      : verifyPassword(found.passwordHash, pass);
  }

  /** Like the users' own hashes; made again when the users changed. */
  dummyHash(): string {
    const revision = this.revision();
    if (this.#dummy?.revision !== revision || this.#dummy === undefined) {
      this.#dummy = { hash: dummyHashLike(this.store.listUsers().map((u) => u.passwordHash)), revision };
    }
    return this.#dummy.hash;
  }

  /** The store's users-changed token, read at most once a second (the proxy asks per request). */
  revision(): string | undefined {
    const now = Date.now();
    if (now >= this.#nextRevisionCheck) {
      this.#nextRevisionCheck = now + REVISION_CHECK_MS;
      this.#revision = this.store.getMeta(USERS_CHANGED_KEY);
    }
    return this.#revision;
  }

  groups(user: string): readonly string[] | undefined {
    return this.store.getUser(user)?.groups;
  }

  displayName(user: string): string | undefined {
    return this.store.getUser(user)?.displayName;
  }

  list(): UserEntry[] {
    return this.store
      .listUsers()
      .map(({ name, displayName, groups }) => ({ name, displayName, groups: [...groups] }));
  }
}
