import { lookup } from 'node:dns/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP, type AddressInfo, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { normalizeIp } from '../util/ip.js';
import type { Endpoint } from './dial.js';
import { internalRange } from './internal-targets.js';

/** One of the gateway's listeners, which the proxy hands its own clients to instead of dialling it. */
export interface OwnListener {
  /** `proxy` is the proxy itself (a loop), `https` the API and web pages, `http` the plain file server. */
  readonly kind: 'proxy' | 'https' | 'http';
  /** The bound address; may throw while the listener is not listening. */
  address(): AddressInfo;
  /** Takes a client connection, as if the client had connected to it directly. */
  accept?(socket: Socket): void;
  /** Answers one plain-HTTP request (its target already in origin form). */
  handle?(req: IncomingMessage, res: ServerResponse): void;
}

function boundAddress(listener: OwnListener): AddressInfo | undefined {
  try {
    return listener.address();
  } catch {
    return undefined;
  }
}

function isEveryInterface(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** Whether a connection to `address` would arrive at this host (loopback, unspecified, an interface's). */
function isThisHost(address: string): boolean {
  const range = internalRange(address);
  if (range === 'loopback' || range === 'unspecified') return true;
  const wanted = normalizeIp(address);
  for (const list of Object.values(networkInterfaces())) {
    for (const nic of list ?? []) if (normalizeIp(nic.address) === wanted) return true;
  }
  return false;
}

/** Whether a connection to `address:port` arrives at `listener`. */
function reaches(listener: OwnListener, address: string, port: number): boolean {
  const bound = boundAddress(listener);
  if (bound === undefined || bound.port !== port) return false;
  if (isEveryInterface(bound.address)) return isThisHost(address);
  const target = normalizeIp(address);
  // Dialling 0.0.0.0 or :: reaches whatever listens on that port of this host.
  return target === normalizeIp(bound.address) || isEveryInterface(target);
}

/**
 * Which of the gateway's listeners a target reaches, after resolving its name: only when its port
 * is one of theirs, so other targets cost no lookup here. A name that does not resolve reaches none
 * (dialling it fails as it would anyway).
 */
export function ownListenerFor(
  listeners: readonly OwnListener[],
  target: Endpoint,
): OwnListener | undefined | Promise<OwnListener | undefined> {
  // Decided at once for almost every request: a turn of the microtask queue costs on small ones.
  const candidates = listeners.filter((l) => boundAddress(l)?.port === target.port);
  return candidates.length === 0 ? undefined : resolvedOwnListener(candidates, target);
}

async function resolvedOwnListener(
  candidates: readonly OwnListener[],
  target: Endpoint,
): Promise<OwnListener | undefined> {
  let addresses: string[];
  if (isIP(target.host) !== 0) addresses = [target.host];
  else {
    try {
      addresses = (await lookup(target.host, { all: true })).map((a) => a.address);
    } catch {
      return undefined;
    }
  }
  return candidates.find((l) => addresses.some((a) => reaches(l, a, target.port)));
}

/**
 * The proxy's own listener followed by the gateway's others, as one list that stays the same object
 * while the others do (the proxy asks on every request).
 */
export function withSelf(
  self: OwnListener,
  others: () => readonly OwnListener[],
): () => readonly OwnListener[] {
  let othersSeen: readonly OwnListener[] | undefined;
  let all: readonly OwnListener[] = [self];
  return () => {
    const now = others();
    if (now !== othersSeen) {
      othersSeen = now;
      all = [self, ...now];
    }
    return all;
  };
}
