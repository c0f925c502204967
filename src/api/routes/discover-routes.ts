import type Router from '@koa/router';
import { callerIp } from '../caller.js';
import type { ApiDeps } from '../deps.js';
import { discover, discoveryTarget } from '../discovery.js';
import { badRequest } from '../errors.js';

/** GET /api/discover[?url=…]: no login needed; that is what it is for. */
export function discoverRoutes(router: Router, deps: ApiDeps): void {
  router.get('/api/discover', async (ctx) => {
    const url = ctx.query['url'];
    if (Array.isArray(url)) throw badRequest('give url once');
    const target = url === undefined || url === '' ? undefined : discoveryTarget(url);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await discover(deps, callerIp(ctx), target);
  });
}
