import { listenOn } from '../server/listen-on.js';
import { accessToLogger } from './access-log.js';
import { ClientConnections } from './client-connections.js';
import { answerClientErrors } from './client-errors.js';
import type { AccessSink } from './access-record.js';
import { LiveFlows } from './live-flows.js';
import http from 'node:http';
import { FLOW_HIGH_WATER_MARK } from './flow-buffer.js';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ListenAddress, ProxySettings } from '../config/types.js';
import type { Policy } from '../rules/decision.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { handleConnect } from './connect-tunnel.js';
import { handleForward } from './forward-http.js';
import { InternalTargets } from './internal-targets.js';
import { realSleep, type Sleep } from './metered-flow.js';
import { withSelf, type OwnListener } from './own-listeners.js';
import { normalizeClientIp } from './request-target.js';
import { noop, type ProxyRuntime } from './runtime.js';
import { AgentPool } from './upstream-agents.js';
import { RefusalLog } from './refusal-log.js';
import { limitConnections } from '../server/connection-limits.js';
import { defaultProxyMaxConnections } from '../server/descriptor-budget.js';
import { RateLimitedWarning } from '../util/rate-limited-warning.js';

export interface ProxyServerOptions {
  /** The policy, or a getter for it so that a configuration reload swaps it without a restart. */
  readonly policy: Policy | (() => Policy);
  /**
   * The settings, or a getter for the live ones: a reload then applies all but the address and
   * maxHeaderSize (the client timeouts from the next connection on).
   */
  readonly settings: ProxySettings | (() => ProxySettings);
  /**
   * The gateway's other listeners (API and web pages, plain file server): a request or CONNECT
   * through the proxy to one of their addresses is handed to it in-process.
   */
  readonly ownListeners?: () => readonly OwnListener[];
  readonly clock: Clock;
  readonly log: Logger;
  /** Where finished requests and tunnels go; default: JSON lines in `log`. */
  readonly access?: AccessSink;
  /** Base URL of the API, for the "log in" link on deny pages. */
  readonly apiUrl?: string;
  /** How pacing waits; tests inject one they control. Default: a timer. */
  readonly sleep?: Sleep;
  /** Upstream keep-alive agents kept at most (one per identity and route). Default 1024. */
  readonly maxAgents?: number;
  /** How long an unused upstream connection is kept for reuse. Default 4 s. */
  readonly upstreamKeepAlive?: number;
  /** Where refusals are remembered for /status; a private one when absent. */
  readonly refusals?: RefusalLog;
  /** Where flows in flight are registered (the admin page lists and cuts them); default a new one. */
  readonly flows?: LiveFlows;
}

export interface ProxyStats {
  /** Open client connections, tunnels included. */
  readonly connections: number;
  /** Requests being answered (not counting tunnels). */
  readonly requests: number;
  readonly tunnels: number;
  /** Upstream keep-alive agents in the pool. */
  readonly agents: number;
}

export interface ProxyServer {
  /** Starts listening; resolves with the bound address (port 0 picks a free one). */
  /** On `fd` when systemd passed the socket (socket activation), else on `addr`. */
  listen(addr: ListenAddress, fd?: number): Promise<AddressInfo>;
  /** The bound address; throws before listen() resolved. */
  address(): AddressInfo;
  stats(): ProxyStats;
  /**
   * Stops accepting, closes idle connections, lets requests and tunnels in flight finish for up to
   * `graceMs`, then destroys what is left and the upstream pools.
   */
  close(graceMs?: number): Promise<void>;
}

/** The same empty list every time: withSelf rebuilds its list only when the others change. */
const NO_OTHERS: readonly OwnListener[] = [];

/** A forward proxy (absolute-URI HTTP and CONNECT) that asks the policy about every request. */
export function createProxyServer(options: ProxyServerOptions): ProxyServer {
  const { log } = options;
  const getPolicy = typeof options.policy === 'function' ? options.policy : () => options.policy as Policy;
  const getSettings =
    typeof options.settings === 'function' ? options.settings : () => options.settings as ProxySettings;
  const settings = getSettings();
  const tunnels = new Set<Socket>();
  const server = createHttpServer(settings);
  const clients = new ClientConnections(server);

  const internalTargets = new InternalTargets(() => getSettings().allowInternal);
  /** Known once listening; kept, since asking the socket is a system call. */
  let bound: AddressInfo | undefined;
  const self: OwnListener = {
    kind: 'proxy',
    address: () => {
      if (bound === undefined) throw new Error('the proxy is not listening');
      return bound;
    },
  };
  const rt: ProxyRuntime = {
    policy: getPolicy,
    get settings() {
      return getSettings();
    },
    clock: options.clock,
    log,
    access: options.access ?? accessToLogger(log),
    apiUrl: options.apiUrl,
    agents: new AgentPool({
      maxAgents: options.maxAgents ?? 1024,
      freeSocketTimeout: options.upstreamKeepAlive ?? 4_000,
      dialTimeout: () => getSettings().dialTimeout,
      guard: internalTargets,
    }),
    internalTargets,
    ownListeners: withSelf(self, options.ownListeners ?? (() => NO_OTHERS)),
    sleep: options.sleep ?? realSleep,
    shuttingDown: () => clients.closing,
    tunnels,
    refusals: options.refusals ?? new RefusalLog(),
    flows: options.flows ?? new LiveFlows(),
    responseDone: () => clients.responseDone(),
  };

  server.on('connection', (socket: Socket) => {
    // A reload's timeouts apply from the next connection on; the server reads these as it goes.
    const live = getSettings();
    server.headersTimeout = live.readTimeout;
    server.keepAliveTimeout = live.idleTimeout;
    clients.opened(socket);
  });

  // After the handler above, so a socket over a cap is reset before anything else sees it.
  const refusals = new RateLimitedWarning(log, 'proxy connection refused: over its cap');
  limitConnections(
    server,
    {
      maxConnections: settings.maxConnections ?? defaultProxyMaxConnections(),
      maxConnectionsPerAddress: settings.maxConnectionsPerAddress,
    },
    (socket, why) => refusals.note(why, { client: normalizeClientIp(socket.remoteAddress) }),
  );

  const onRequest = (expectContinue: boolean) => (req: http.IncomingMessage, res: http.ServerResponse) => {
    clients.requestStarted(req.socket, res);
    handleForward(rt, req, res, expectContinue).catch((err: unknown) => {
      log.error('proxy request failed unexpectedly', { err: String(err) });
      res.destroy();
    });
  };
  server.on('request', onRequest(false));
  // Answering 100 Continue only after the policy allowed the request spares denied uploads.
  server.on('checkContinue', onRequest(true));

  server.on('connect', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    // First thing: a client reset while the policy is consulted must not become an uncaught error.
    socket.on('error', noop);
    handleConnect(rt, req, socket as Socket, head).catch((err: unknown) => {
      log.error('proxy tunnel failed unexpectedly', { err: String(err) });
      socket.destroy();
    });
  });

  answerClientErrors(server, rt.access, (socket) => clients.isBusy(socket));

  return {
    async listen(addr, fd) {
      await listenOn(server, addr, fd);
      server.on('error', (e) => log.error('proxy listener error', { err: String(e) }));
      bound = server.address() as AddressInfo;
      return bound;
    },
    address() {
      const a = server.address();
      if (a === null || typeof a === 'string') throw new Error('the proxy is not listening');
      return a;
    },
    stats() {
      return {
        connections: clients.count,
        requests: clients.requests,
        tunnels: tunnels.size,
        agents: rt.agents.size,
      };
    },
    close(graceMs = 10_000) {
      return clients.close(graceMs, () => rt.agents.destroyAll());
    },
  };
}

/** The client side: a strict parser, the configured timeouts, flow-sized buffers. */
function createHttpServer(settings: ProxySettings): http.Server {
  const readTimeout = settings.readTimeout;
  return http.createServer({
    maxHeaderSize: settings.maxHeaderSize,
    insecureHTTPParser: false,
    requireHostHeader: false,
    joinDuplicateHeaders: false,
    noDelay: true,
    highWaterMark: FLOW_HIGH_WATER_MARK,
    headersTimeout: readTimeout,
    requestTimeout: 0,
    keepAliveTimeout: settings.idleTimeout,
    connectionsCheckingInterval: readTimeout > 0 ? Math.min(30_000, Math.max(250, readTimeout / 4)) : 30_000,
  });
}
