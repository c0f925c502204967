import { dirname, join } from 'node:path';
import { CONTROL_SOCKET_NAME } from '../../server/control-socket.js';
import { CommandError } from '../command-error.js';
import { loadConfig, type LoadedConfig } from '../../config/load.js';
import { buildManagers, buildUserDirectory } from '../../config/build.js';
import { SqliteStore } from '../../store/sqlite.js';
import { SessionRegistryImpl } from '../../sessions/registry.js';
import { Ledger } from '../../metering/ledger.js';
import { TokenBuckets } from '../../metering/bandwidth.js';
import type { Manager, Services } from '../../managers/types.js';
import { systemClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';

/** The configuration, store and managers, without listeners: what admin commands act on. */
export interface AdminContext {
  readonly config: LoadedConfig;
  readonly services: Services;
  readonly managers: Map<string, Manager>;
  close(): void;
}

export function openAdminContext(configDir: string): AdminContext {
  const config = loadConfig(configDir);
  const store = SqliteStore.open(config.server.store.path);
  const services: Services = {
    clock: systemClock,
    log: silentLogger,
    store,
    users: buildUserDirectory(config, store),
    sessions: new SessionRegistryImpl(store, systemClock),
    consumption: new Ledger(store, systemClock),
    bandwidth: new TokenBuckets(systemClock),
    configDir: config.dir,
  };
  const managers = buildManagers(config, services);
  return {
    config,
    services,
    managers,
    close() {
      services.sessions.flush();
      services.consumption.flush();
      store.close();
    },
  };
}

export function managersOfKind(ctx: AdminContext, kind: string, only?: string): Manager[] {
  const found = [...ctx.managers.values()].filter((m) => m.kind === kind);
  if (only === undefined) return found;
  const named = found.filter((m) => m.name === only);
  if (named.length === 0) {
    throw new CommandError(
      `no ${kind} named "${only}" (there is: ${found.map((m) => m.name).join(', ') || 'none'})`,
    );
  }
  return named;
}

/** Where the server running on this configuration's store answers the admin commands. */
export function controlSocketPath(config: LoadedConfig): string {
  return join(dirname(config.server.store.path), CONTROL_SOCKET_NAME);
}
