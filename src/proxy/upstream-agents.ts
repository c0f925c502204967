import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Route } from '../managers/types.js';
import { connectDirect, dialTunnel, isHttpParent } from './dial.js';

/**
 * A keep-alive agent for one identity and one route. Its sockets go out the route's way; once
 * retired (evicted from the pool), sockets still in use are closed when their request ends.
 */
export class RoutedAgent extends http.Agent {
  #retired = false;

  constructor(
    readonly route: Route | undefined,
    readonly dialTimeout: number,
    options: http.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(
    options: http.ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const endpoint = { host: options.host ?? 'localhost', port: Number(options.port ?? 80) };
    if (this.route?.parentProxy !== undefined && !isHttpParent(this.route)) {
      // SOCKS: the request may only go out once the proxy has opened the connection.
      dialTunnel(endpoint, this.route, this.dialTimeout).then(
        (socket) => callback?.(null, socket),
        // Node ignores the stream argument when there is an error.
        (err: Error) => callback?.(err, undefined as unknown as Duplex),
      );
      return undefined;
    }
    // Direct, or to an HTTP parent proxy that takes absolute-URI requests: Node writes the request
    // once the socket connects.
    return connectDirect(endpoint, this.route?.localAddress, this.dialTimeout);
  }

  override keepSocketAlive(socket: Duplex): boolean {
    if (this.#retired) return false;
    super.keepSocketAlive(socket);
    return true;
  }

  /** Closes idle sockets now and the busy ones when their request is done. */
  retire(): void {
    this.#retired = true;
    for (const sockets of Object.values(this.freeSockets)) {
      for (const socket of sockets ?? []) socket.destroy();
    }
  }
}

export interface AgentPoolOptions {
  /** Agents kept at most; the least recently used one is retired beyond this. */
  readonly maxAgents: number;
  /** How long an unused upstream connection is kept for reuse. */
  readonly freeSocketTimeout: number;
  readonly dialTimeout: number;
}

function routeKey(route: Route | undefined): string {
  if (route === undefined) return 'direct';
  return `${route.localAddress ?? ''}|${route.parentProxy?.href ?? ''}`;
}

/**
 * Upstream keep-alive agents keyed by (identity, route), so a pooled connection only ever carries
 * requests of the identity that opened it — never another user's — and only along one route.
 * Bounded, least recently used first out.
 */
export class AgentPool {
  readonly #agents = new Map<string, RoutedAgent>();

  constructor(readonly options: AgentPoolOptions) {}

  get size(): number {
    return this.#agents.size;
  }

  /** `identity` is the user the decision recognised, else the client address; see `identityOf`. */
  agentFor(identity: string, route: Route | undefined): RoutedAgent {
    const key = `${identity}\n${routeKey(route)}`;
    const found = this.#agents.get(key);
    if (found !== undefined) {
      this.#agents.delete(key);
      this.#agents.set(key, found);
      return found;
    }
    const agent = new RoutedAgent(route, this.options.dialTimeout, {
      keepAlive: true,
      timeout: this.options.freeSocketTimeout,
      maxSockets: 256,
      maxFreeSockets: 256,
      scheduling: 'lifo',
    });
    this.#agents.set(key, agent);
    while (this.#agents.size > this.options.maxAgents) {
      const oldest = this.#agents.keys().next();
      if (oldest.done === true) break;
      this.#agents.get(oldest.value)?.retire();
      this.#agents.delete(oldest.value);
    }
    return agent;
  }

  /** Destroys every agent's sockets, busy or not (shutdown). */
  destroyAll(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }
}

/** The pooling identity: the recognised user, or the client address when nobody was recognised. */
export function identityOf(user: string | undefined, clientIp: string): string {
  return user === undefined ? `ip:${clientIp}` : `user:${user}`;
}
