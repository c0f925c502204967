import type { UserDB, UserDirectory } from './types.js';

/** The user databases of one configuration, by name. */
export class UserDirectoryImpl implements UserDirectory {
  readonly #dbs = new Map<string, UserDB>();

  constructor(dbs: Iterable<UserDB> = []) {
    for (const db of dbs) this.add(db);
  }

  /** Throws on a duplicate name: the configuration check reports those before anything is built. */
  add(db: UserDB): this {
    if (this.#dbs.has(db.name)) throw new Error(`two user databases are named "${db.name}"`);
    this.#dbs.set(db.name, db);
    return this;
  }

  get(name: string): UserDB | undefined {
    return this.#dbs.get(name);
  }

  names(): string[] {
    return [...this.#dbs.keys()];
  }
}
