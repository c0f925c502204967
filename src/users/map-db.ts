import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TableReader } from '../config/table-reader.js';
import { isPhcHash, verifyPassword, verifyUnknownUser } from '../auth/passwords.js';
import { readUserTables, type UserTables } from './user-tables.js';
import { dummyHashLike } from '../auth/dummy-hash.js';
import type { Store } from '../store/types.js';
import type { UserDB, UserEntry } from './types.js';
import type { UserDBKind } from './kind.js';

/** `[mapDB]`: users written in managers.toml. */
export interface MapDBConfig extends UserTables {
  readonly name: string;
}

export const mapDBKind: UserDBKind<MapDBConfig> & { create(config: MapDBConfig, store?: Store): UserDB } = {
  kind: 'mapDB',

  parse(table: TableReader): MapDBConfig | undefined {
    const name = table.string('name', { required: true, nonEmpty: true });
    const users = readUserTables(table);
    table.done();
    return name === undefined ? undefined : { name, ...users };
  },

  /** The store is not needed (users live in the TOML); accepted so every UserDBKind is called alike. */
  create(config: MapDBConfig, _store?: Store): UserDB {
    return new MapUserDB(config);
  },
};

/** Plaintext passwords are compared as HMACs under a per-process key: equal lengths, constant time. */
const COMPARE_KEY = randomBytes(32);
const digest = (text: string): Buffer => createHmac('sha256', COMPARE_KEY).update(text).digest();
const NOBODY_DIGEST = digest(randomBytes(16).toString('base64'));

class MapUserDB implements UserDB {
  readonly kind = 'mapDB';
  readonly readOnly = true;
  readonly name: string;
  readonly #hashes = new Map<string, string>();
  readonly #plain = new Map<string, Buffer>();
  readonly #groups: ReadonlyMap<string, readonly string[]>;
  readonly #displayNames: ReadonlyMap<string, string>;
  /**
   * With the parameters of this table's own hashes; undefined when it holds none (then no check
   * runs argon2, and none needs to).
   */
  readonly dummyHash: string | undefined;

  constructor(config: MapDBConfig) {
    this.name = config.name;
    for (const [user, secret] of config.userPass) {
      if (isPhcHash(secret)) this.#hashes.set(user, secret);
      else this.#plain.set(user, digest(secret));
    }
    this.#groups = config.userGroups;
    this.#displayNames = config.displayNames;
    this.dummyHash = this.#hashes.size > 0 ? dummyHashLike(this.#hashes.values()) : undefined;
  }

  /**
   * Every check costs the same whether the user exists, has a hash or has a plaintext password:
   * when the table holds hashes, one argon2 verification each (a plaintext user's included, so
   * plaintext users cannot be told from unknown ones); otherwise one HMAC comparison each.
   */
  async verify(user: string, pass: string): Promise<boolean> {
    const hash = this.#hashes.get(user);
    if (hash !== undefined) return verifyPassword(hash, pass);
    if (this.dummyHash !== undefined) await verifyUnknownUser(this.dummyHash, pass);
    const stored = this.#plain.get(user);
    return timingSafeEqual(stored ?? NOBODY_DIGEST, digest(pass)) && stored !== undefined;
  }

  #exists(user: string): boolean {
    return this.#hashes.has(user) || this.#plain.has(user) || this.#groups.has(user);
  }

  groups(user: string): readonly string[] | undefined {
    // A user with a password and no groups has no groups (the Go original crashed on status).
    return this.#groups.get(user) ?? (this.#exists(user) ? [] : undefined);
  }

  displayName(user: string): string | undefined {
    return this.#exists(user) ? (this.#displayNames.get(user) ?? user) : undefined;
  }

  list(): UserEntry[] {
    const names = new Set([...this.#hashes.keys(), ...this.#plain.keys(), ...this.#groups.keys()]);
    return [...names].sort().map((name) => ({
      name,
      displayName: this.#displayNames.get(name) ?? name,
      groups: [...(this.#groups.get(name) ?? [])],
    }));
  }
}
