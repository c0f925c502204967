/** The services the metering managers are built with, all real, over one store and a manual clock. */
import type { Services } from '../../src/managers/types.js';
import { assembleServices } from '../../src/managers/services.js';
import type { Store } from '../../src/store/types.js';
import { UserDirectoryImpl } from '../../src/users/directory.js';
import { sqlDBKind } from '../../src/users/sql-db.js';
import type { Clock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';

/**
 * Services over `store`, with one sqlDB named "users" holding `users` (name → groups). Group changes
 * go through `store.setGroups`, as `pmproxy user groups` does.
 */
export function servicesOver(store: Store, clock: Clock, users: Record<string, readonly string[]>): Services {
  for (const [name, groups] of Object.entries(users)) {
    store.putUser({ name, passwordHash: '$argon2id$unused' });
    store.setGroups(name, groups);
  }
  return assembleServices({
    store,
    users: new UserDirectoryImpl([sqlDBKind.create({ name: 'users' }, store)]),
    clock,
    log: silentLogger,
    configDir: '.',
  });
}
