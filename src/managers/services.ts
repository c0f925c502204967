import type { Services } from './types.js';
import { TokenBuckets } from '../metering/bandwidth.js';
import { Ledger } from '../metering/ledger.js';
import { SessionRegistryImpl } from '../sessions/registry.js';
import type { Store } from '../store/types.js';
import type { UserDirectory } from '../users/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

/**
 * The services every manager shares, over one store: the session registry, the consumption ledger
 * and the bandwidth buckets. The gateway, the admin commands and check-config assemble them here,
 * so that they all run managers on the same parts.
 */
export function assembleServices(parts: {
  readonly store: Store;
  readonly users: UserDirectory;
  readonly clock: Clock;
  readonly log: Logger;
  readonly configDir: string;
}): Services {
  const { store, clock } = parts;
  return {
    clock,
    log: parts.log,
    store,
    users: parts.users,
    sessions: new SessionRegistryImpl(store, clock),
    consumption: new Ledger(store, clock),
    bandwidth: new TokenBuckets(clock),
    configDir: parts.configDir,
  };
}
