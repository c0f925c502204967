import type Router from '@koa/router';
import { PAC_CONTENT_TYPE, pacScript, proxyHostFor, requestedHost } from '../../proxy/pac.js';
import type { ApiDeps } from '../deps.js';
import { badRequest } from '../errors.js';

/** GET /proxy.pac on the API: browsers and OSes configure the proxy from this URL (also on the proxy's port). */
export function pacRoute(router: Router, deps: ApiDeps): void {
  router.get('/proxy.pac', (ctx) => {
    const configured = deps.config().server.proxy.addr;
    const port = deps.proxyAddress()?.port ?? configured.port;
    const shown = proxyHostFor(configured, ctx.host);
    if (shown === undefined) throw badRequest('the Host header is not a host name or an IP address');
    ctx.type = PAC_CONTENT_TYPE;
    ctx.set('Cache-Control', 'max-age=300');
    // The API's own host as the client named it (validated like the proxy's) goes DIRECT.
    const api = requestedHost(ctx.host);
    ctx.body = pacScript(`${shown}:${port}`, api === undefined ? [shown] : [api, shown]);
  });
}
