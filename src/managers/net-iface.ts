import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { TableReader } from '../config/table-reader.js';
import type { Manager, ManagerKind, Verdict } from './types.js';

/**
 * `[[netIface]]`: the outgoing connection leaves from this source address. Always true; takes
 * effect only when evaluation reaches it (the first reached route wins).
 */
export type NetIfaceConfig =
  { readonly name: string; readonly iface: string } | { readonly name: string; readonly addr: string };

export const netIface: ManagerKind<NetIfaceConfig> = {
  kind: 'netIface',

  parse(table: TableReader): NetIfaceConfig | undefined {
    const name = table.string('name', { required: true, nonEmpty: true });
    const both = table.has('iface') && table.has('addr');
    const neither = !table.has('iface') && !table.has('addr');
    const iface = table.string('iface', { nonEmpty: true });
    const addr = table.string('addr', { nonEmpty: true })?.replace(/^\[(.*)\]$/u, '$1');
    table.done();
    if (both) {
      table.issues.add(
        table.path,
        'give only one of iface (an interface name) and addr (a local IP address)',
      );
      return undefined;
    }
    if (neither) {
      table.issues.add(
        table.keyPath('iface'),
        'is required: an interface name such as "eth0" (or addr, a local IP address)',
      );
      return undefined;
    }
    if (iface !== undefined && networkInterfaces()[iface] === undefined) {
      table.issues.warn(
        table.keyPath('iface'),
        `there is no interface "${iface}" now; requests routed through it are denied until there is`,
      );
    }
    if (addr !== undefined && isIP(addr) === 0) {
      table.issues.add(
        table.keyPath('addr'),
        `must be an IP address of this machine, not ${JSON.stringify(addr)}`,
      );
      return undefined;
    }
    if (addr !== undefined && !isLocalAddress(addr)) {
      table.issues.warn(
        table.keyPath('addr'),
        `${addr} is not an address of this machine now; connections from it fail until it is`,
      );
    }
    if (name === undefined) return undefined;
    if (iface !== undefined) return { name, iface };
    if (addr !== undefined) return { name, addr };
    return undefined;
  },

  create(config: NetIfaceConfig): Manager {
    return new NetIface(config);
  },
};

class NetIface implements Manager {
  readonly kind = 'netIface';
  readonly name: string;

  constructor(readonly config: NetIfaceConfig) {
    this.name = config.name;
  }

  test(): Verdict {
    const localAddress = 'addr' in this.config ? this.config.addr : firstAddress(this.config.iface);
    if (localAddress === undefined) {
      return {
        match: false,
        reason: `no local address for '${'iface' in this.config ? this.config.iface : ''}'`,
      };
    }
    return {
      match: true,
      reason: `leaves from ${localAddress}`,
      effect: { kind: 'route', route: { manager: this.name, localAddress } },
    };
  }

  settings(): Record<string, unknown> {
    return 'addr' in this.config
      ? { name: this.name, addr: this.config.addr }
      : { name: this.name, iface: this.config.iface };
  }
}

/**
 * The interface's first address, looked up at each request because addresses come and go (DHCP,
 * ppp). IPv4 first: most origins are reached over IPv4, and an IPv6 link-local source needs a scope.
 */
export function firstAddress(iface: string): string | undefined {
  const addresses = networkInterfaces()[iface] ?? [];
  const v4 = addresses.find((a) => a.family === 'IPv4');
  const v6 = addresses.find((a) => a.family === 'IPv6' && !a.address.toLowerCase().startsWith('fe80:'));
  return (v4 ?? v6)?.address;
}

function isLocalAddress(addr: string): boolean {
  return Object.values(networkInterfaces()).some((list) => list?.some((a) => a.address === addr) === true);
}
