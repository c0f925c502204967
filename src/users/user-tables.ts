import type { TableReader } from '../config/table-reader.js';
import { isPhcHash } from '../auth/passwords.js';

/** Users written in TOML: `[mapDB]`'s tables, and `[sqlDB.seed]`'s (the same format). */
export interface UserTables {
  /** user → argon2 PHC string, or a plaintext password (accepted for compatibility, with a warning). */
  readonly userPass: ReadonlyMap<string, string>;
  readonly userGroups: ReadonlyMap<string, readonly string[]>;
  readonly displayNames: ReadonlyMap<string, string>;
}

const HASH_ADVICE = 'replace it with the output of `pmproxy hash-password` (an argon2 hash)';

/** Reads `userPass`, `userGroup` (or `userGroups`) and `displayName` of `table`, reporting every problem. */
export function readUserTables(table: TableReader): UserTables {
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
  return { userPass, userGroups, displayNames };
}
