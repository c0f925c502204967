import type { Socket } from 'node:net';
import { Agent, type buildConnector } from 'undici';
import type { Route } from '../managers/types.js';
import { connectDirect, dialTunnel, isHttpParent } from './dial.js';
import type { InternalTargets } from './internal-targets.js';

/** TCP keep-alive probes on pooled origin connections start after this much silence. */
const TCP_KEEPALIVE_DELAY = 60_000;

/** `[::1]` as a URL writes it → `::1` as sockets want it. */
function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * How one route's connections are opened, for undici: directly (from the route's source address),
 * to an HTTP parent proxy (which then takes absolute-URI requests), or through a SOCKS parent, the
 * request going out only once the parent has opened the connection. Dial failures keep our codes
 * (DIAL_TIMEOUT, INTERNAL_TARGET …), so they are answered like a CONNECT's. A direct connection is
 * kept off internal addresses here, after resolution; through an HTTP parent, the connection is to
 * the parent and the target is judged before the request is sent (relay-upstream.ts).
 */
function connectorFor(
  route: Route | undefined,
  dialTimeout: () => number,
  guard: InternalTargets,
): buildConnector.connector {
  return (options, callback) => {
    const endpoint = { host: unbracket(options.hostname), port: Number(options.port || 80) };
    const ready = (socket: Socket): void => {
      socket.setKeepAlive(true, TCP_KEEPALIVE_DELAY);
      callback(null, socket);
    };
    if (route?.parentProxy !== undefined && !isHttpParent(route)) {
      dialTunnel(endpoint, route, dialTimeout(), guard).then(ready, (err: Error) => callback(err, null));
      return;
    }
    const direct = route?.parentProxy === undefined;
    const socket = connectDirect(
      endpoint,
      route?.localAddress,
      dialTimeout(),
      false,
      undefined,
      direct ? guard : undefined,
    );
    const onError = (err: Error): void => callback(err, null);
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      ready(socket);
    });
  };
}

export interface AgentPoolOptions {
  /** Agents kept at most; the least recently used one is retired beyond this. */
  readonly maxAgents: number;
  /** How long an unused upstream connection is kept for reuse (an origin's Keep-Alive hint may shorten it). */
  readonly freeSocketTimeout: number;
  /** Read at every dial, so a reload applies it. */
  readonly dialTimeout: () => number;
  /** Which addresses direct connections may reach. */
  readonly guard: InternalTargets;
}

function routeKey(route: Route | undefined): string {
  if (route === undefined) return 'direct';
  return `${route.localAddress ?? ''}|${route.parentProxy?.href ?? ''}`;
}

/**
 * Upstream keep-alive pools (undici agents) keyed by (identity, route), so a pooled connection only
 * ever carries requests of the identity that opened it — never another user's — and only along one
 * route. Bounded, least recently used first out; a retired agent closes its idle connections at
 * once and its busy ones when their requests are done.
 */
export class AgentPool {
  readonly #agents = new Map<string, Agent>();

  constructor(readonly options: AgentPoolOptions) {}

  get size(): number {
    return this.#agents.size;
  }

  /** `identity` is the user the decision recognised, else the client address; see `identityOf`. */
  agentFor(identity: string, route: Route | undefined): Agent {
    const key = `${identity}\n${routeKey(route)}`;
    const found = this.#agents.get(key);
    if (found !== undefined) {
      this.#agents.delete(key);
      this.#agents.set(key, found);
      return found;
    }
    const agent = new Agent({
      connect: connectorFor(route, this.options.dialTimeout, this.options.guard),
      connections: 256,
      pipelining: 1,
      keepAliveTimeout: this.options.freeSocketTimeout,
      keepAliveMaxTimeout: this.options.freeSocketTimeout,
    });
    this.#agents.set(key, agent);
    while (this.#agents.size > this.options.maxAgents) {
      const oldest = this.#agents.keys().next();
      if (oldest.done === true) break;
      this.#agents
        .get(oldest.value)
        ?.close()
        .catch(() => undefined);
      this.#agents.delete(oldest.value);
    }
    return agent;
  }

  /** Destroys every agent's connections, busy or not (shutdown). */
  destroyAll(): void {
    for (const agent of this.#agents.values()) agent.destroy().catch(() => undefined);
    this.#agents.clear();
  }
}

/** The pooling identity: the recognised user, or the client address when nobody was recognised. */
export function identityOf(user: string | undefined, clientIp: string): string {
  return user === undefined ? `ip:${clientIp}` : `user:${user}`;
}
