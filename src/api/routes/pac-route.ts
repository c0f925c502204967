import type Router from '@koa/router';
import type { ApiDeps } from '../deps.js';

/** Hosts that would never reach the proxy's clients through it: loopback and plain names. */
function pacFile(proxy: string): string {
  return `// pmproxy: every request through the proxy, except loopback and plain host names.
function FindProxyForURL(url, host) {
  if (isPlainHostName(host) || host === 'localhost' || host === '::1' || shExpMatch(host, '127.*')) {
    return 'DIRECT';
  }
  return 'PROXY ${proxy}';
}
`;
}

const EVERY_INTERFACE = new Set(['', '0.0.0.0', '::']);

/** GET /proxy.pac: browsers and OSes configure the proxy from this URL. */
export function pacRoute(router: Router, deps: ApiDeps): void {
  router.get('/proxy.pac', (ctx) => {
    const listening = deps.proxyAddress();
    const configured = deps.config().server.proxy.addr;
    const port = listening?.port ?? configured.port;
    // A proxy on every interface is reached at the name the client used for this server.
    const host = EVERY_INTERFACE.has(configured.host) ? ctx.hostname : configured.host;
    const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    ctx.type = 'application/x-ns-proxy-autoconfig';
    ctx.set('Cache-Control', 'max-age=300');
    ctx.body = pacFile(`${shown}:${port}`);
  });
}
