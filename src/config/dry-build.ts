import { SqliteStore } from '../store/sqlite.js';
import { systemClock } from '../util/clock.js';
import { silentLogger } from '../util/logger.js';
import { servicesFor } from './build.js';
import { buildGeneration, closeGeneration } from './generation.js';
import { ConfigError, type ConfigIssue } from './issues.js';
import type { LoadedConfig } from './load.js';
import { MANAGERS_FILE } from './load.js';

/**
 * Builds the configuration's generation as start and reload do (reading every file a manager names:
 * domainsFile, …) over a store in memory, and closes it again: what `check-config` adds to parsing,
 * so that it refuses what the server would refuse, without touching the server's store.
 */
export async function dryBuild(config: LoadedConfig): Promise<ConfigIssue[]> {
  const store = SqliteStore.open(':memory:');
  try {
    const services = servicesFor(config, store, systemClock, silentLogger);
    await closeGeneration(buildGeneration(config, services));
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    return [{ file: MANAGERS_FILE, path: '', message: err instanceof Error ? err.message : String(err) }];
  } finally {
    store.close();
  }
}
