import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TableReader } from '../config/table-reader.js';
import { isPhcHash, verifyPassword, verifyUnknownUser } from '../auth/passwords.js';
import { dummyHashLike } from '../auth/dummy-hash.js';
import type { Store } from '../store/types.js';
import type { UserDB, UserEntry } from './types.js';
import type { UserDBKind } from './kind.js';

/** `[mapDB]`: users written in managers.toml. */
export interface MapDBConfig {
  readonly name: string;
  /** user → argon2 PHC string, or a plaintext password (accepted for compatibility, with a warning). */
  readonly userPass: ReadonlyMap<string, string>;
  readonly userGroups: ReadonlyMap<string, readonly string[]>;
  readonly displayNames: ReadonlyMap<string, string>;
}

const HASH_ADVICE = 'replace it with the output of `pmproxy hash-password` (an argon2 hash)';

export const mapDBKind: UserDBKind<MapDBConfig> & { create(config: MapDBConfig, store?: Store): UserDB } = {
  kind: 'mapDB',

  parse(table: TableReader): MapDBConfig | undefined {
    const name = table.string('name', { required: true, nonEmpty: true });

    const userPass = new Map<string, string>();
    const passTable = table.table('userPass');
    if (passTable !== undefined) {
      for (const user of Object.keys(passTable.values)) {
        const secret = passTable.string(user, { nonEmpty: true });
        if (secret === undefined) continue;
        if (isPhcHash(secret)) {
          userPass.set(user, secret);
        } else if (secret.startsWith('$argon2')) {
          table.issues.add(
            passTable.keyPath(user),
            `looks like an argon2 hash but is not a valid one; ${HASH_ADVICE}`,
          );
        } else {
          userPass.set(user, secret);
          table.issues.warn(
            passTable.keyPath(user),
            `is a plaintext password (accepted for compatibility with pmproxy); ${HASH_ADVICE}`,
          );
        }
      }
      passTable.done();
    }

    // The pmproxy README spells it userGroup, its code userGroups: either, not both.
    const groupsKey = table.pick('userGroup', 'userGroups');
    for (const spelling of ['userGroup', 'userGroups']) if (spelling !== groupsKey) table.raw(spelling);
    const userGroups = new Map<string, readonly string[]>();
    const groupsTable = groupsKey === undefined ? undefined : table.table(groupsKey);
    if (groupsTable !== undefined) {
      for (const user of Object.keys(groupsTable.values)) {
        const groups = groupsTable.stringList(user);
        if (groups === undefined) continue;
        userGroups.set(user, [...new Set(groups)]);
        if (passTable !== undefined && !userPass.has(user) && !(user in passTable.values)) {
          table.issues.warn(
            groupsTable.keyPath(user),
            `has groups but no password in ${passTable.path}, so cannot log in`,
          );
        }
      }
      groupsTable.done();
    }

    const displayNames = new Map<string, string>();
    const namesTable = table.table('displayName');
    if (namesTable !== undefined) {
      for (const user of Object.keys(namesTable.values)) {
        const display = namesTable.string(user, { nonEmpty: true });
        if (display !== undefined) displayNames.set(user, display);
      }
      namesTable.done();
    }

    table.done();
    return name === undefined ? undefined : { name, userPass, userGroups, displayNames };
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
