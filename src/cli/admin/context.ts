import { dirname, join } from 'node:path';
import { CONTROL_SOCKET_NAME } from '../../server/control-socket.js';
import { CommandError } from '../command-error.js';
import { loadConfig, type LoadedConfig } from '../../config/load.js';
import { servicesFor } from '../../config/build.js';
import { buildGeneration, closeGeneration, commitGeneration } from '../../config/generation.js';
import { SqliteStore } from '../../store/sqlite.js';
import type { Manager, Services } from '../../managers/types.js';
import { withCapability, type ManagerWith } from '../../managers/capabilities.js';
import { systemClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';

/** The configuration, store and managers, without listeners: what admin commands act on. */
export interface AdminContext {
  readonly config: LoadedConfig;
  readonly services: Services;
  readonly managers: ReadonlyMap<string, Manager>;
  close(): void;
}

export function openAdminContext(configDir: string): AdminContext {
  const config = loadConfig(configDir);
  const store = SqliteStore.open(config.server.store.path);
  const services = servicesFor(config, store, systemClock, silentLogger);
  let generation;
  try {
    generation = buildGeneration(config, services);
  } catch (err) {
    store.close();
    throw err;
  }
  commitGeneration(generation, services);
  const { managers } = generation;
  return {
    config,
    services: { ...services, users: generation.users },
    managers,
    close() {
      services.sessions.flush();
      services.consumption.flush();
      void closeGeneration(generation);
      store.close();
    },
  };
}

/** The session managers (sessionIPM), or the one named `only`. */
export function sessionManagersOf(ctx: AdminContext, only?: string): ManagerWith<'sessions'>[] {
  const found = withCapability(ctx.managers.values(), 'sessions');
  if (only === undefined) return found;
  const named = found.filter((m) => m.name === only);
  if (named.length === 0) {
    throw new CommandError(
      `no sessionIPM named "${only}" (there is: ${found.map((m) => m.name).join(', ') || 'none'})`,
    );
  }
  return named;
}

/** Where the server running on this configuration's store answers the admin commands. */
export function controlSocketPath(config: LoadedConfig): string {
  return join(dirname(config.server.store.path), CONTROL_SOCKET_NAME);
}
