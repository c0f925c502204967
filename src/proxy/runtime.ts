import type { LiveFlows } from './live-flows.js';
import type { Socket } from 'node:net';
import type { ProxySettings } from '../config/types.js';
import type { RequestContext, Target } from '../managers/types.js';
import type { Policy } from '../rules/decision.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { InternalTargets } from './internal-targets.js';
import type { Sleep } from './metered-flow.js';
import type { OwnListener } from './own-listeners.js';
import type { AgentPool } from './upstream-agents.js';
import type { RefusalLog } from './refusal-log.js';
import type { AccessSink } from './access-record.js';

/** What the request and tunnel handlers share with the server that runs them. */
export interface ProxyRuntime {
  /** The current policy: looked up per request, so a configuration reload applies at once. */
  readonly policy: () => Policy;
  /** The current settings, read where used, so that a reload applies what it can (connectPorts …). */
  readonly settings: ProxySettings;
  readonly clock: Clock;
  readonly log: Logger;
  /** Where finished requests and tunnels go: the access log and the metrics. */
  readonly access: AccessSink;
  readonly apiUrl: string | undefined;
  readonly agents: AgentPool;
  /** Which addresses the proxy may dial. */
  readonly internalTargets: InternalTargets;
  /** The gateway's listeners, the proxy's own included: reached in-process, never dialled. */
  readonly ownListeners: () => readonly OwnListener[];
  readonly sleep: Sleep;
  /** True once close() began: responses then close their connection. */
  readonly shuttingDown: () => boolean;
  /** Client sockets of open CONNECT tunnels. */
  readonly tunnels: Set<Socket>;
  /** Flows in flight, for the admin page (list, cut). */
  readonly flows: LiveFlows;
  /** Called when a response is over, so a closing server can drop the now idle connection. */
  readonly responseDone: () => void;
  /** The last refusals per address and user, for /status. */
  readonly refusals: RefusalLog;
}

/** Remembers a refusal of the proxy for the client's /status. */
export function noteRefusal(
  rt: ProxyRuntime,
  client: string,
  user: string | undefined,
  host: string,
  why: string,
): void {
  rt.refusals.record(client, user, { at: rt.clock.now().toISOString(), host, why });
}

/** The rule every proxy request is judged by. */
export const PROXY_RULE = 'proxy';

/** The context the policy judges one request by. */
export function requestContext(
  rt: ProxyRuntime,
  clientIp: string,
  target: Target,
  proxyAuthorization: string | undefined,
): RequestContext {
  const at = rt.clock.now();
  const users = new Map<string, string>();
  // Two literals rather than a spread: this runs for every request.
  return proxyAuthorization === undefined
    ? { surface: 'proxy', clientIp, at, target, users }
    : { surface: 'proxy', clientIp, at, target, users, proxyAuthorization };
}

export function noop(): void {}
