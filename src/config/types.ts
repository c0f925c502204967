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
}

export interface ApiSettings {
  readonly addr: ListenAddress;
  /** Absolute paths (resolved against the config directory). */
  readonly httpsCert: string;
  readonly httpsKey: string;
  readonly webStaticFilesDir: string;
  readonly excludedRoutes: readonly string[];
  /** How often consumption and session activity are written to the store. */
  readonly persistInterval: number;
  readonly readTimeout: number;
  readonly writeTimeout: number;
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
  /** `[files]`; undefined when server.toml has no such table (no file server). */
  readonly files?: FileSettings;
}
