import type { TableReader } from '../config/table-reader.js';
import { verifyPassword, verifyUnknownUser } from '../auth/passwords.js';
import type { Store } from '../store/types.js';
import type { UserDB } from './types.js';
import type { UserDBKind } from './kind.js';

/** `[sqlDB]`: users and groups kept in the store (`pmproxy user add|passwd|del|groups`). */
export interface SqlDBConfig {
  readonly name: string;
}

export const sqlDBKind: UserDBKind<SqlDBConfig> = {
  kind: 'sqlDB',

  parse(table: TableReader): SqlDBConfig | undefined {
    const name = table.string('name', { required: true, nonEmpty: true });
    table.done();
    return name === undefined ? undefined : { name };
  },

  create(config: SqlDBConfig, store: Store): UserDB {
    return new SqlUserDB(config.name, store);
  },
};

/** Reads the store on every call, so changes made by the admin CLI in another process apply at once. */
class SqlUserDB implements UserDB {
  readonly kind = 'sqlDB';

  constructor(
    readonly name: string,
    readonly store: Store,
  ) {}

  verify(user: string, pass: string): Promise<boolean> {
    const found = this.store.getUser(user);
    return found === undefined ? verifyUnknownUser(pass) : verifyPassword(found.passwordHash, pass);
  }

  groups(user: string): readonly string[] | undefined {
    return this.store.getUser(user)?.groups;
  }

  displayName(user: string): string | undefined {
    return this.store.getUser(user)?.displayName;
  }
}
