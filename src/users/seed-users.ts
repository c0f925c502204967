import { hashPassword, isPhcHash } from '../auth/passwords.js';
import type { UserDBEntry } from '../config/managers-config.js';
import type { Store } from '../store/types.js';

/** What one `[sqlDB.seed]` put in the store. */
export interface SeededUsers {
  readonly db: string;
  readonly users: readonly { readonly name: string; readonly groups: readonly string[] }[];
}

const seededKey = (db: string): string => `users.seeded.${db}`;

/**
 * Puts the users of each `[sqlDB.seed]` in the store, once per database: a database seeded before
 * is left alone, so a user the admin deleted does not come back. Users already in the store keep
 * their password and groups. Plaintext seed passwords are hashed here.
 */
export async function seedUsers(userDBs: readonly UserDBEntry[], store: Store): Promise<SeededUsers[]> {
  const seeded: SeededUsers[] = [];
  for (const entry of userDBs) {
    if (entry.kind !== 'sqlDB' || entry.config.seed === undefined) continue;
    if (store.getMeta(seededKey(entry.name)) !== undefined) continue;
    const { userPass, userGroups, displayNames } = entry.config.seed;
    const added: { name: string; groups: readonly string[] }[] = [];
    for (const [name, secret] of userPass) {
      if (store.getUser(name) !== undefined) continue;
      const passwordHash = isPhcHash(secret) ? secret : await hashPassword(secret);
      store.putUser({ name, passwordHash, displayName: displayNames.get(name) ?? name });
      const groups = userGroups.get(name) ?? [];
      store.setGroups(name, groups);
      added.push({ name, groups });
    }
    store.setMeta(seededKey(entry.name), new Date().toISOString());
    seeded.push({ db: entry.name, users: added });
  }
  return seeded;
}
