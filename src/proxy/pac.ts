import { isIP } from 'node:net';
import type { ListenAddress } from '../config/types.js';

/**
 * The PAC script: the gateway's own host and loopback DIRECT (its pages and API answer there, and
 * need no proxy), plain host names DIRECT, everything else through the proxy at `proxy`.
 */
export function pacScript(proxy: string, gatewayHosts: readonly string[]): string {
  // Hosts and the proxy's address go in as JSON string literals, which are also JavaScript ones.
  const own = [...new Set(gatewayHosts.map((h) => h.replace(/^\[(.*)\]$/u, '$1')))];
  return `// pmproxy: every request through the proxy, except the gateway itself, loopback and plain host names.
function FindProxyForURL(url, host) {
  var gateway = ${JSON.stringify(own)};
  for (var i = 0; i < gateway.length; i++) if (host === gateway[i]) return 'DIRECT';
  if (isPlainHostName(host) || host === 'localhost' || host === '::1' || shExpMatch(host, '127.*')) {
    return 'DIRECT';
  }
  return ${JSON.stringify(`PROXY ${proxy}`)};
}
`;
}

export const PAC_CONTENT_TYPE = 'application/x-ns-proxy-autoconfig';
/** Where browsers look for a PAC: the usual path, and WPAD's (`http://wpad.DOMAIN/wpad.dat`). */
export const PAC_PATHS = new Set(['/proxy.pac', '/wpad.dat']);

const EVERY_INTERFACE = new Set(['', '0.0.0.0', '::']);
/** `name`, `name:port`, `[v6]`, `[v6]:port`: what a Host header may hold. */
const HOST_HEADER = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})))(?::\d{1,5})?$/u;

/**
 * The host a client named in its Host header (or :authority), as it goes before ":port" in a PAC
 * entry; undefined for anything that is no host name or IP literal. The PAC file is a script that
 * browsers run, so nothing else of the request may reach it.
 */
export function requestedHost(header: string): string | undefined {
  const match = HOST_HEADER.exec(header);
  if (match === null) return undefined;
  const [, v6, name] = match;
  if (v6 !== undefined) return isIP(v6) === 6 ? `[${v6}]` : undefined;
  if (name === undefined || name.split('.').some((label, i, all) => label === '' && i < all.length - 1))
    return undefined;
  return name;
}

/**
 * How clients reach the proxy configured at `configured`: its own address, or, when it listens on
 * every interface, the name the client used in Host (undefined when that is no host).
 */
export function proxyHostFor(configured: ListenAddress, hostHeader: string): string | undefined {
  if (EVERY_INTERFACE.has(configured.host)) return requestedHost(hostHeader);
  return configured.host.includes(':') ? `[${configured.host}]` : configured.host;
}
