import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * The one spelling of a client address that sessions, ranges and logs agree on: an IPv4-mapped
 * IPv6 address (`::ffff:127.0.0.1`, as a dual-stack socket reports IPv4 peers) becomes the IPv4
 * address, the zone (`%eth0`) is dropped, and IPv6 is lowercased and compressed (`2001:db8::1`).
 * Text that is not an IP address comes back trimmed and lowercased.
 */
export function normalizeIp(address: string): string {
  const bare = address
    .trim()
    .replace(/^\[(.*)\]$/u, '$1')
    .replace(/%.*$/u, '')
    .toLowerCase();
  const family = isIP(bare);
  if (family !== 6) return bare;
  return ipaddr.process(bare).toString();
}

export type IpRange = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** `10.0.0.0/8`, `::1/128` → the range; undefined when the text is no CIDR range. */
export function parseCidr(text: string): IpRange | undefined {
  try {
    return ipaddr.parseCIDR(text.trim());
  } catch {
    return undefined;
  }
}
