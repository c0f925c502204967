import type { LogSettings } from './log-config.js';
import type { MetricsSettings } from './metrics-config.js';
import type { FileSettings } from './files-config.js';

/** The validated configuration, as the rest of the program sees it. All durations in ms. */
export interface ListenAddress {
  /** '' means every interface (Go's ":8080"). */
  readonly host: string;
  readonly port: number;
}

export interface ProxySettings {
  readonly addr: ListenAddress;
  /** Upstream connect timeout; 0 = none. */
  readonly dialTimeout: number;
  /** Ports CONNECT may reach; default [443]. */
  readonly connectPorts: readonly number[];
  /** A tunnel or keep-alive connection idle this long is closed; 0 = never. */
  readonly idleTimeout: number;
  /** Time allowed to receive a request's headers. */
  readonly readTimeout: number;
  /** Time allowed for a response write to make progress. */
  readonly writeTimeout: number;
  /** Largest request head accepted; bigger gets 431. */
  readonly maxHeaderSize: number;
  /**
   * CIDR ranges of otherwise refused targets (loopback, link-local, unspecified) the proxy may
   * reach; default none.
   */
  readonly allowInternal: readonly string[];
  /** Open client connections at most; undefined: what our listeners leave of the open-file limit (descriptor-budget.ts). */
  readonly maxConnections?: number;
  /** Open client connections at most from one client address (one IPv6 /64). */
  readonly maxConnectionsPerAddress: number;
}

/**
 * What a listener of our own (the API's HTTPS one, `[files.server]`) grants a client before it is
 * cut: the proxy's discipline for slow and numerous clients.
 */
export interface ListenerLimits {
  /** Time a request's headers may take, from its first byte (HTTP/1.1) or the session's start or last answer (HTTP/2). */
  readonly readTimeout: number;
  /** A connection with nothing read or written this long is closed. */
  readonly writeTimeout: number;
  /** A keep-alive connection or HTTP/2 session with no request under way is closed after this. */
  readonly idleTimeout: number;
  /** A TCP connection has this long to finish its TLS handshake (TLS listeners only). */
  readonly handshakeTimeout: number;
  /** A request body arriving slower than this (bytes/s, averaged over bodyRateWindow) is cut; 0 = never. */
  readonly minBodyRate: number;
  readonly bodyRateWindow: number;
  /** Open connections at most; undefined: a share of the process's open-file limit (descriptor-budget.ts). */
  readonly maxConnections?: number;
  /** Open connections at most from one client address (one IPv6 /64). */
  readonly maxConnectionsPerAddress: number;
}

export interface ApiSettings extends ListenerLimits {
  readonly addr: ListenAddress;
  /** Absolute paths (resolved against the config directory). */
  readonly httpsCert: string;
  readonly httpsKey: string;
  readonly webStaticFilesDir: string;
  readonly excludedRoutes: readonly string[];
  /** How often consumption and session activity are written to the store. */
  readonly persistInterval: number;
}

export interface StoreSettings {
  /** Absolute path of the SQLite file. */
  readonly path: string;
  /** ms between writes of the consumption charged since the last one: what a crash can lose. */
  readonly consumptionInterval: number;
}

export interface ServerConfig {
  readonly proxy: ProxySettings;
  readonly api: ApiSettings;
  readonly store: StoreSettings;
  /** `[log]`: the access log's format and file, the event log's level. */
  readonly log: LogSettings;
  /** `[metrics]`: a listener of its own for /metrics. */
  readonly metrics: MetricsSettings;
  /** `gracefulTimeout` (ms): on SIGTERM, how long what is in flight may take to finish. */
  readonly gracefulTimeout: number;
  /** `[files]`; undefined when server.toml has no such table (no file server). */
  readonly files?: FileSettings;
}
