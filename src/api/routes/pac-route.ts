import { isIP } from 'node:net';
import type Router from '@koa/router';
import type { ApiDeps } from '../deps.js';
import { badRequest } from '../errors.js';

/** Hosts that would never reach the proxy's clients through it: loopback and plain names. */
function pacFile(proxy: string): string {
  // The proxy's address goes in as a JSON string literal, which is also a JavaScript one.
  return `// pmproxy: every request through the proxy, except loopback and plain host names.
function FindProxyForURL(url, host) {
  if (isPlainHostName(host) || host === 'localhost' || host === '::1' || shExpMatch(host, '127.*')) {
    return 'DIRECT';
  }
  return ${JSON.stringify(`PROXY ${proxy}`)};
}
`;
}

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

/** GET /proxy.pac: browsers and OSes configure the proxy from this URL. */
export function pacRoute(router: Router, deps: ApiDeps): void {
  router.get('/proxy.pac', (ctx) => {
    const listening = deps.proxyAddress();
    const configured = deps.config().server.proxy.addr;
    const port = listening?.port ?? configured.port;
    // A proxy on every interface is reached at the name the client used for this server.
    let shown: string;
    if (EVERY_INTERFACE.has(configured.host)) {
      const host = requestedHost(ctx.host);
      if (host === undefined) throw badRequest('the Host header is not a host name or an IP address');
      shown = host;
    } else {
      shown = configured.host.includes(':') ? `[${configured.host}]` : configured.host;
    }
    ctx.type = 'application/x-ns-proxy-autoconfig';
    ctx.set('Cache-Control', 'max-age=300');
    ctx.body = pacFile(`${shown}:${port}`);
  });
}
