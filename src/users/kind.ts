import type { TableReader } from '../config/table-reader.js';
import type { Store } from '../store/types.js';
import type { UserDB } from './types.js';

/**
 * A user database kind (`[mapDB]`, `[sqlDB]`): `parse` is pure and reports every problem through the
 * reader (warnings too, such as plaintext passwords); `create` builds the database.
 */
export interface UserDBKind<C extends { readonly name: string }> {
  /** The TOML table name: "mapDB", "sqlDB". */
  readonly kind: string;
  parse(table: TableReader): C | undefined;
  create(config: C, store: Store): UserDB;
}
