import { readLog } from './log-config.js';
import { readMetrics } from './metrics-config.js';
import { existsSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { parseCidr } from '../util/ip.js';
import { readFiles } from './files-config.js';
import { readConnectionCaps, readListenerLimits } from './listener-limits.js';
import type { Issues } from './issues.js';
import { TableReader, describe, type TomlTable } from './table-reader.js';
import type {
  ApiSettings,
  ListenAddress,
  ListenerLimits,
  ProxySettings,
  ServerConfig,
  StoreSettings,
} from './types.js';

/** Our own pages, served when server.toml names no folder or one that does not exist. */
export const DEFAULT_WEB_DIR = join(import.meta.dirname, '..', '..', 'web');

/** Defaults: nothing listens beyond loopback unless configured. Durations in ms. */
export const SERVER_DEFAULTS = {
  proxyAddr: { host: '127.0.0.1', port: 8080 },
  apiAddr: { host: '127.0.0.1', port: 4443 },
  httpsCert: 'cert.pem',
  httpsKey: 'key.pem',
  persistInterval: 60_000,
  consumptionInterval: 1_000,
  dialTimeout: 10_000,
  connectPorts: [443],
  idleTimeout: 5 * 60_000,
  maxHeaderSize: 16 * 1024,
  readTimeout: 30_000,
  writeTimeout: 20_000,
  storePath: join('data', 'pmproxy.db'),
  /** SIGTERM: how long requests, uploads and tunnels in flight may take to finish. */
  gracefulTimeout: 10_000,
  // One address is one user here (sessions bind addresses): browsers open at most 32 connections
  // to a proxy, so this leaves room for several programs while one host cannot take the budget.
  proxyMaxConnectionsPerAddress: 256,
} as const;

const FAST_OR_STD = 'means nothing here (it chose between two Go HTTP servers); ignored';

/** Validates server.toml's tables; every problem goes to `issues`, bad values fall back to defaults. */
export function parseServerConfig(values: TomlTable, dir: string, issues: Issues): ServerConfig {
  const top = new TableReader(values, '', issues);
  const api = readApi(top.table('api') ?? empty('api', issues), dir, issues);
  const proxy = readProxy(top.table('proxy') ?? empty('proxy', issues));
  const store = readStore(top.table('store') ?? empty('store', issues), dir);
  // No [files] table, no file server: storing files is a surface an admin opens on purpose.
  const filesTable = top.table('files');
  const files = filesTable === undefined ? undefined : readFiles(filesTable, dir);
  const gracefulTimeout = top.duration('gracefulTimeout') ?? SERVER_DEFAULTS.gracefulTimeout;
  const log = readLog(top.table('log') ?? empty('log', issues), dir);
  const metrics = readMetrics(top.table('metrics') ?? empty('metrics', issues));
  top.done();
  const settings = { api, proxy, store, log, metrics, gracefulTimeout };
  return files === undefined ? settings : { ...settings, files };
}

function empty(path: string, issues: Issues): TableReader {
  return new TableReader({}, path, issues);
}

interface ProxyServerTable {
  readonly addr: ListenAddress;
  readonly readTimeout: number;
  readonly writeTimeout: number;
  readonly maxConnections?: number;
  readonly maxConnectionsPerAddress: number;
}

/** `[proxy.server]`. */
function readServer(parent: TableReader, defaultAddr: ListenAddress): ProxyServerTable {
  const t = serverTable(parent);
  const server = {
    addr: readAddr(t, defaultAddr),
    readTimeout: t.duration('readTimeout') ?? SERVER_DEFAULTS.readTimeout,
    writeTimeout: t.duration('writeTimeout') ?? SERVER_DEFAULTS.writeTimeout,
    ...readConnectionCaps(t, SERVER_DEFAULTS.proxyMaxConnectionsPerAddress),
  };
  t.ignore('fastOrStd', FAST_OR_STD);
  t.done();
  return server;
}

/** `[api.server]`: the proxy's keys, and the limits every listener of our own has. */
function readApiServer(parent: TableReader): ListenerLimits & { readonly addr: ListenAddress } {
  const t = serverTable(parent);
  const server = { addr: readAddr(t, SERVER_DEFAULTS.apiAddr), ...readListenerLimits(t, true) };
  t.ignore('fastOrStd', FAST_OR_STD);
  t.done();
  return server;
}

function serverTable(parent: TableReader): TableReader {
  return parent.table('server') ?? new TableReader({}, parent.keyPath('server'), parent.issues);
}

function readAddr(t: TableReader, defaultAddr: ListenAddress): ListenAddress {
  const addrText = t.string('addr');
  const parsed = addrText === undefined ? defaultAddr : parseListenAddress(addrText);
  if (typeof parsed === 'string') t.issues.add(t.keyPath('addr'), parsed);
  return typeof parsed === 'string' ? defaultAddr : parsed;
}

function readApi(t: TableReader, dir: string, issues: Issues): ApiSettings {
  const settings: ApiSettings = {
    ...readApiServer(t),
    httpsCert: resolve(dir, t.string('httpsCert', { nonEmpty: true }) ?? SERVER_DEFAULTS.httpsCert),
    httpsKey: resolve(dir, t.string('httpsKey', { nonEmpty: true }) ?? SERVER_DEFAULTS.httpsKey),
    webStaticFilesDir: readWebDir(t, dir, issues),
    excludedRoutes: readRoutes(t),
    persistInterval: t.duration('persistInterval', { positive: true }) ?? SERVER_DEFAULTS.persistInterval,
  };
  t.done();
  return settings;
}

/** A configured folder that does not exist falls back to our pages: pmproxy's README names one nobody has. */
function readWebDir(t: TableReader, dir: string, issues: Issues): string {
  const configured = t.string('webStaticFilesDir', { nonEmpty: true });
  if (configured === undefined) return DEFAULT_WEB_DIR;
  const path = resolve(dir, configured);
  if (existsSync(path) && statSync(path).isDirectory()) return path;
  issues.warn(
    t.keyPath('webStaticFilesDir'),
    `folder "${configured}" (${path}) does not exist; serving pmproxy's own pages from ${DEFAULT_WEB_DIR}`,
  );
  return DEFAULT_WEB_DIR;
}

function readRoutes(t: TableReader): string[] {
  const routes = t.stringList('excludedRoutes') ?? [];
  return routes.filter((route, i) => {
    if (route.startsWith('/')) return true;
    t.issues.add(
      `${t.keyPath('excludedRoutes')}[${i}]`,
      `must be a path starting with "/", not ${JSON.stringify(route)}`,
    );
    return false;
  });
}

function readProxy(t: TableReader): ProxySettings {
  const server = readServer(t, SERVER_DEFAULTS.proxyAddr);
  let maxHeaderSize = t.size('maxHeaderSize') ?? SERVER_DEFAULTS.maxHeaderSize;
  if (maxHeaderSize < 1024) {
    t.issues.add(t.keyPath('maxHeaderSize'), `must be at least 1 KB, not ${maxHeaderSize} B`);
    maxHeaderSize = SERVER_DEFAULTS.maxHeaderSize;
  }
  const settings: ProxySettings = {
    addr: server.addr,
    readTimeout: server.readTimeout,
    writeTimeout: server.writeTimeout,
    dialTimeout: t.duration('dialTimeout') ?? SERVER_DEFAULTS.dialTimeout,
    connectPorts: readPorts(t, 'connectPorts') ?? [...SERVER_DEFAULTS.connectPorts],
    idleTimeout: t.duration('idleTimeout') ?? SERVER_DEFAULTS.idleTimeout,
    maxHeaderSize,
    allowInternal: readCidrs(t, 'allowInternal') ?? [],
    maxConnectionsPerAddress: server.maxConnectionsPerAddress,
    ...(server.maxConnections === undefined ? {} : { maxConnections: server.maxConnections }),
  };
  t.done();
  return settings;
}

function readCidrs(t: TableReader, key: string): string[] | undefined {
  const list = t.stringList(key);
  if (list === undefined) return undefined;
  const ranges = list.map((text) => text.trim());
  let ok = true;
  ranges.forEach((text, i) => {
    if (parseCidr(text) !== undefined) return;
    ok = false;
    t.issues.add(
      `${t.keyPath(key)}[${i}]`,
      `${JSON.stringify(text)} is not a CIDR range (such as "127.0.0.0/8" or "::1/128")`,
    );
  });
  return ok ? ranges : undefined;
}

function readPorts(t: TableReader, key: string): number[] | undefined {
  const v = t.raw(key);
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) {
    t.issues.add(t.keyPath(key), `must be a list of port numbers such as [443], not ${describe(v)}`);
    return undefined;
  }
  const ports: number[] = [];
  v.forEach((item, i) => {
    const n = typeof item === 'bigint' ? Number(item) : item;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535) ports.push(n);
    else
      t.issues.add(`${t.keyPath(key)}[${i}]`, `must be a port number from 1 to 65535, not ${describe(item)}`);
  });
  return ports.length === v.length ? ports : undefined;
}

function readStore(t: TableReader, dir: string): StoreSettings {
  const path = t.string('path', { nonEmpty: true });
  const consumptionInterval =
    t.duration('consumptionInterval', { positive: true }) ?? SERVER_DEFAULTS.consumptionInterval;
  t.done();
  if (path === ':memory:') return { path, consumptionInterval };
  return { path: resolve(dir, path ?? SERVER_DEFAULTS.storePath), consumptionInterval };
}

/**
 * Go's listen address forms: ":8080" (every interface), "127.0.0.1:8080", "[::1]:8080",
 * "localhost:8080". Returns what is wrong as a string.
 */
export function parseListenAddress(text: string): ListenAddress | string {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/u.exec(text.trim());
  const hint = `is not a listen address (":8080", "127.0.0.1:8080", "[::1]:8080"): ${JSON.stringify(text)}`;
  if (m === null) return hint;
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  if (port > 65535) return `port ${port} is out of range (0 to 65535)`;
  if (m[1] !== undefined && isIP(host) !== 6) return `"${host}" is not an IPv6 address`;
  if (
    host !== '' &&
    isIP(host) === 0 &&
    !/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/u.test(host)
  ) {
    return hint;
  }
  return { host, port };
}
