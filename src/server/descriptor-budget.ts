import { readFileSync } from 'node:fs';

/**
 * The share of the process's open-file limit each of our own listeners (the API's HTTPS one, the
 * plain file one) may hold by default: together at most half, so a flood on either never takes
 * the descriptors the proxy needs (two per request it relays: the client's and the origin's).
 */
export const LISTENER_SHARE = 0.25;

/** Used when /proc/self/limits cannot be read (not Linux): systemd's default soft limit. */
const ASSUMED_OPEN_FILES = 1024;

/** The soft RLIMIT_NOFILE of this process, from /proc/self/limits ("Max open files  1024  4096  files"). */
export function openFileLimit(limitsText = readLimits()): number {
  const match = /^Max open files\s+(\S+)/mu.exec(limitsText ?? '');
  if (match === null) return ASSUMED_OPEN_FILES;
  const soft = match[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(match[1]);
  return Number.isSafeInteger(soft) && soft > 0 ? soft : ASSUMED_OPEN_FILES;
}

/** Connections a listener of ours takes at most when its configuration names no maxConnections. */
export function defaultMaxConnections(openFiles = openFileLimit()): number {
  return Math.max(1, Math.floor(openFiles * LISTENER_SHARE));
}

/**
 * Client connections the proxy takes at most by default: what our two listeners leave of the
 * open-file limit, halved, since every relayed connection holds the client's descriptor and the
 * origin's.
 */
export function defaultProxyMaxConnections(openFiles = openFileLimit()): number {
  return Math.max(1, Math.floor((openFiles * (1 - 2 * LISTENER_SHARE)) / 2));
}

function readLimits(): string | undefined {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
}
