import type { LoadedConfig } from './load.js';
import type { Manager, Services } from '../managers/types.js';
import type { Store } from '../store/types.js';
import { assembleServices } from '../managers/services.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { UserDirectory } from '../users/types.js';
import { UserDirectoryImpl } from '../users/directory.js';
import { mapDBKind } from '../users/map-db.js';
import { sqlDBKind } from '../users/sql-db.js';

/** The user databases of a loaded configuration. */
export function buildUserDirectory(loaded: LoadedConfig, store: Store): UserDirectory {
  const directory = new UserDirectoryImpl();
  for (const db of loaded.userDBs) {
    directory.add(
      db.kind === 'mapDB' ? mapDBKind.create(db.config, store) : sqlDBKind.create(db.config, store),
    );
  }
  return directory;
}

/**
 * Creates every manager, by name. If one fails to start, those already made are closed before the
 * error is passed on, so a refused reload leaves no timers behind.
 */
export function buildManagers(loaded: LoadedConfig, services: Services): Map<string, Manager> {
  const managers = new Map<string, Manager>();
  // hmacUpload managers without a secret of their own use [files] secret of server.toml.
  const secret = loaded.server.files?.secret;
  const withFiles = secret === undefined ? services : { ...services, filesSecret: secret };
  try {
    for (const { kind, name, config, description } of loaded.managers) {
      const manager = kind.create(config, withFiles);
      if (description !== undefined) manager.description = description;
      managers.set(name, manager);
    }
  } catch (err) {
    for (const manager of managers.values()) {
      try {
        void Promise.resolve(manager.close?.()).catch(() => undefined);
      } catch {
        // Already failing: the first error is the one worth reporting.
      }
    }
    throw err;
  }
  return managers;
}

/** The shared services over `store` for a loaded configuration: its user databases and folder. */
export function servicesFor(loaded: LoadedConfig, store: Store, clock: Clock, log: Logger): Services {
  return assembleServices({
    store,
    users: buildUserDirectory(loaded, store),
    clock,
    log,
    configDir: loaded.dir,
  });
}
