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

/**
 * The user databases of a loaded configuration. One whose table is unchanged from `previous` (the
 * running generation, on a reload) is the same object again, and so keeps what was remembered of
 * it: the verified proxy credentials, without which every user of a busy proxy paid argon2 again
 * after each reload. A changed table (a mapDB password) is a new object, with nothing remembered.
 */
export function buildUserDirectory(
  loaded: LoadedConfig,
  store: Store,
  previous?: { readonly config: LoadedConfig; readonly users: UserDirectory },
): UserDirectory {
  const directory = new UserDirectoryImpl();
  for (const db of loaded.userDBs) {
    const before = previous?.config.userDBs.find((p) => p.kind === db.kind && p.name === db.name);
    const same = before !== undefined && canonical(before.config) === canonical(db.config);
    const kept = same ? previous?.users.get(db.name) : undefined;
    directory.add(
      kept ?? (db.kind === 'mapDB' ? mapDBKind.create(db.config, store) : sqlDBKind.create(db.config, store)),
    );
  }
  return directory;
}

/** A parsed table as text, Maps (userPass …) with their entries: JSON alone writes a Map as {}. */
function canonical(config: unknown): string {
  return JSON.stringify(config, (_key, value: unknown) =>
    value instanceof Map ? [...value.entries()] : value,
  );
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
