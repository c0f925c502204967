import type { TableReader } from './table-reader.js';
import type { ListenerLimits } from './types.js';

/**
 * Defaults for our own listeners, durations in ms. The handshake timeout is what browsers and
 * curl finish in well under a second; the body rate (1 KB/s over 10 s) cuts `slowhttptest -B`
 * (a few bytes every 10 s) while a phone on a bad EDGE link (20 KB/s) still uploads.
 */
export const LISTENER_DEFAULTS = {
  readTimeout: 30_000,
  writeTimeout: 20_000,
  idleTimeout: 30_000,
  handshakeTimeout: 10_000,
  minBodyRate: 1024,
  bodyRateWindow: 10_000,
  maxConnectionsPerAddress: 64,
} as const;

/**
 * The limits of `[api.server]` or `[files.server]` (`t` is that table): timeouts, the body's
 * minimum rate and the connection caps. `tls` says whether handshakeTimeout means anything here.
 */
export function readListenerLimits(t: TableReader, tls: boolean): ListenerLimits {
  const minBodyRate = t.size('minBodyRate') ?? LISTENER_DEFAULTS.minBodyRate;
  return {
    readTimeout: t.duration('readTimeout') ?? LISTENER_DEFAULTS.readTimeout,
    writeTimeout: t.duration('writeTimeout') ?? LISTENER_DEFAULTS.writeTimeout,
    idleTimeout: t.duration('idleTimeout') ?? LISTENER_DEFAULTS.idleTimeout,
    handshakeTimeout: readHandshakeTimeout(t, tls),
    minBodyRate,
    bodyRateWindow: t.duration('bodyRateWindow', { positive: true }) ?? LISTENER_DEFAULTS.bodyRateWindow,
    ...readConnectionCaps(t, LISTENER_DEFAULTS.maxConnectionsPerAddress),
  };
}

/** `maxConnections` (undefined: a share of the open-file limit) and `maxConnectionsPerAddress` of any listener's table. */
export function readConnectionCaps(
  t: TableReader,
  defaultPerAddress: number,
): { readonly maxConnections?: number; readonly maxConnectionsPerAddress: number } {
  const maxConnections = t.integer('maxConnections', { min: 1 });
  const maxConnectionsPerAddress = t.integer('maxConnectionsPerAddress', { min: 1 }) ?? defaultPerAddress;
  if (maxConnections !== undefined && maxConnectionsPerAddress > maxConnections) {
    t.issues.add(
      t.keyPath('maxConnectionsPerAddress'),
      `must not be larger than maxConnections (${maxConnections}), not ${maxConnectionsPerAddress}`,
    );
  }
  return maxConnections === undefined
    ? { maxConnectionsPerAddress }
    : { maxConnections, maxConnectionsPerAddress };
}

function readHandshakeTimeout(t: TableReader, tls: boolean): number {
  if (!tls) {
    t.ignore('handshakeTimeout', 'this listener speaks plain HTTP: there is no TLS handshake to time');
    return 0;
  }
  // Zero would let a silent TCP connection hold a descriptor for ever.
  return t.duration('handshakeTimeout', { positive: true }) ?? LISTENER_DEFAULTS.handshakeTimeout;
}
