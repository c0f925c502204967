import type { TableReader } from '../config/table-reader.js';
import type { KnownNames } from './types.js';

/** Reports `key` naming a user database the configuration does not define, listing the ones it does. */
export function checkUserDBName(db: string, key: string, known: KnownNames, table: TableReader): void {
  if (known.userDBs.has(db)) return;
  const there = [...known.userDBs].map((n) => `"${n}"`).join(', ');
  table.issues.add(
    table.keyPath(key),
    `names no user database "${db}" (${there === '' ? 'define one with [mapDB] or [sqlDB]' : `there is ${there}`})`,
  );
}
