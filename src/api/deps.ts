import type { LiveFlows } from '../proxy/live-flows.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { AddressInfo } from 'node:net';
import type { LoadedConfig } from '../config/load.js';
import type { Manager, Services } from '../managers/types.js';
import type { RulePolicy } from '../rules/policy.js';
import type { PasswordChecker } from '../auth/password-check.js';
import type { TokenSigner } from './tokens.js';
import type { UserDirectory } from '../users/types.js';
import type { RefusalLog } from '../proxy/refusal-log.js';

/**
 * What the API routes need of the running gateway. The configuration, managers and rules are read
 * through accessors on every request, so a reload applies to the API at once.
 */
export interface ApiDeps {
  readonly services: Services;
  readonly tokens: TokenSigner;
  /** Every password check goes through its limiter and gate. */
  readonly passwords: PasswordChecker;
  config(): LoadedConfig;
  managers(): ReadonlyMap<string, Manager>;
  /** The user databases of the running configuration (services.users is the first one's). */
  users(): UserDirectory;
  policy(): RulePolicy;
  /** Where the forward proxy listens (for the PAC file); undefined before it does. */
  proxyAddress(): AddressInfo | undefined;
  /** The proxy's last refusals per address and user, for /status; absent in tests without a proxy. */
  readonly refusals?: RefusalLog;
  /** The proxy's flows in flight; absent where no proxy runs. */
  readonly flows?: LiveFlows;
  /** The gateway's Prometheus metrics; absent in tests that build the API alone. */
  readonly metrics?: GatewayMetrics;
}
