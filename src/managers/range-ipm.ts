import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { TableReader } from '../config/table-reader.js';
import { normalizeIp } from '../util/ip.js';
import type { Manager, ManagerKind, RequestContext, Verdict } from './types.js';

/** `[[rangeIPM]]`: the client address is inside one of the ranges (IPv4 or IPv6 CIDR). */
export interface RangeIPMConfig {
  readonly name: string;
  /** As written, trimmed: "10.0.0.0/8", "2001:db8::/32"; a bare address is a range of one. */
  readonly cidr: readonly string[];
}

export const rangeIPM: ManagerKind<RangeIPMConfig> = {
  kind: 'rangeIPM',

  parse(table: TableReader): RangeIPMConfig | undefined {
    const name = table.string('name', { required: true, nonEmpty: true });
    const single = typeof table.values['cidr'] === 'string';
    const list = table.stringList('cidr', { required: true, allowSingle: true });
    table.done();
    if (list === undefined) return undefined;
    if (list.length === 0) {
      table.issues.add(table.keyPath('cidr'), 'must list at least one range, such as "10.0.0.0/8"');
      return undefined;
    }
    let ok = true;
    list.forEach((text, i) => {
      if (parseRange(text) !== undefined) return;
      ok = false;
      const path = single ? table.keyPath('cidr') : `${table.keyPath('cidr')}[${i}]`;
      table.issues.add(
        path,
        `${JSON.stringify(text)} is not a CIDR range (such as "10.0.0.0/8" or "2001:db8::/32")`,
      );
    });
    if (name === undefined || !ok) return undefined;
    return { name, cidr: list.map((text) => text.trim()) };
  },

  create(config: RangeIPMConfig): Manager {
    return new RangeIPM(config);
  },
};

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * A CIDR range, or a bare address as a range of one; IPv4-mapped IPv6 ranges (::ffff:10.0.0.0/104)
 * become IPv4 ranges, since client addresses are compared unwrapped.
 */
export function parseRange(text: string): Range | undefined {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const address = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return undefined;
  const bits = family === 4 ? 32 : 128;
  let prefix = bits;
  if (slash !== -1) {
    const digits = trimmed.slice(slash + 1);
    if (!/^\d{1,3}$/u.test(digits)) return undefined;
    prefix = Number(digits);
    if (prefix > bits) return undefined;
  }
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && prefix >= 96) {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return [v6.toIPv4Address(), prefix - 96];
  }
  return [parsed, prefix];
}

class RangeIPM implements Manager {
  readonly kind = 'rangeIPM';
  readonly name: string;
  readonly #v4: { readonly text: string; readonly base: number; readonly mask: number }[] = [];
  readonly #v6: { readonly text: string; readonly range: [ipaddr.IPv6, number] }[] = [];

  constructor(readonly config: RangeIPMConfig) {
    this.name = config.name;
    for (const text of config.cidr) {
      const range = parseRange(text);
      if (range === undefined)
        throw new Error(`rangeIPM ${config.name}: ${JSON.stringify(text)} is not a CIDR range`);
      const [address, prefix] = range;
      if (address.kind() === 'ipv4') {
        const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
        this.#v4.push({ text, base: (ipv4Number(address.toString()) & mask) >>> 0, mask });
      } else {
        this.#v6.push({ text, range: [address as ipaddr.IPv6, prefix] });
      }
    }
  }

  test(ctx: RequestContext): Verdict {
    const ip = normalizeIp(ctx.clientIp);
    const family = isIP(ip);
    if (family === 0) return { match: false, reason: `${JSON.stringify(ctx.clientIp)} is not an IP address` };
    const inside = family === 4 ? this.#findV4(ipv4Number(ip)) : this.#findV6(ipaddr.IPv6.parse(ip));
    if (inside !== undefined) return { match: true, reason: `${ip} in ${inside}` };
    return { match: false, reason: `${ip} not in ${listed(this.config.cidr)}` };
  }

  #findV4(n: number): string | undefined {
    for (const r of this.#v4) if ((n & r.mask) >>> 0 === r.base) return r.text;
    return undefined;
  }

  #findV6(address: ipaddr.IPv6): string | undefined {
    return this.#v6.find((r) => address.match(r.range))?.text;
  }

  settings(): Record<string, unknown> {
    return { name: this.name, cidr: [...this.config.cidr] };
  }
}

function ipv4Number(ip: string): number {
  const [a = 0, b = 0, c = 0, d = 0] = ip.split('.').map(Number);
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

function listed(ranges: readonly string[]): string {
  const shown = ranges.slice(0, 3).join(', ');
  return ranges.length > 3 ? `${shown} and ${ranges.length - 3} more` : shown;
}
