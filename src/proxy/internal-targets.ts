import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { parseCidr, type IpRange } from '../util/ip.js';

/**
 * ipaddr.js's names of the ranges a campus proxy must not reach by default (Squid's `to_localhost`,
 * widened to link-local, where cloud metadata services listen): the gateway host itself and the
 * wire it sits on. Private ranges (RFC 1918, ULA) are what intranets use, and stay reachable.
 */
const INTERNAL_RANGES: ReadonlySet<string> = new Set(['loopback', 'linkLocal', 'unspecified']);

/** What a refused target is told, on the deny page and in the log. */
export const INTERNAL_REFUSAL = 'this gateway does not reach internal addresses';

/** The address as the kernel will dial it: IPv4-mapped IPv6 becomes IPv4, the zone is dropped. */
function parseTarget(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = address.replace(/%.*$/u, '');
  if (isIP(bare) === 0) return undefined;
  return ipaddr.process(bare);
}

/** `loopback`, `linkLocal` or `unspecified` for such an address in any of its spellings, else undefined. */
export function internalRange(address: string): string | undefined {
  const range = parseTarget(address)?.range();
  return range !== undefined && INTERNAL_RANGES.has(range) ? range : undefined;
}

/** Whether a host name is one that always means this host (RFC 6761 §6.3), resolved or not. */
export function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase();
  return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * Decides which addresses the proxy may dial: not internal ones (see INTERNAL_RANGES) unless
 * `[proxy] allowInternal` lists their range. Reads the list on every call, so a reload applies.
 */
export class InternalTargets {
  #ranges: readonly IpRange[] = [];
  #parsedFrom: readonly string[] | undefined;

  constructor(private readonly allowInternal: () => readonly string[]) {}

  /** Why `address` may not be dialled, or undefined when it may. */
  refusal(address: string): string | undefined {
    const parsed = parseTarget(address);
    if (parsed === undefined || !INTERNAL_RANGES.has(parsed.range())) return undefined;
    for (const [base, bits] of this.#allowed()) {
      if (base.kind() === parsed.kind() && parsed.match(base, bits)) return undefined;
    }
    return `${INTERNAL_REFUSAL} (${address})`;
  }

  /**
   * For a target a parent proxy resolves: only what is known here, an address literal or a name
   * that always means the local host, can be judged.
   */
  refusalOfName(host: string): string | undefined {
    if (isIP(host) !== 0) return this.refusal(host);
    if (!isLocalhostName(host)) return undefined;
    return this.refusal('127.0.0.1') === undefined ? undefined : `${INTERNAL_REFUSAL} (${host})`;
  }

  #allowed(): readonly IpRange[] {
    const list = this.allowInternal();
    if (list !== this.#parsedFrom) {
      this.#parsedFrom = list;
      this.#ranges = list.map(parseCidr).filter((r): r is IpRange => r !== undefined);
    }
    return this.#ranges;
  }
}
