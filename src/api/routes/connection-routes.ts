import type Router from '@koa/router';
import type { ApiDeps } from '../deps.js';
import { badRequest, notFound } from '../errors.js';
import { requireAdmin } from '../guards.js';

/** The proxy's flows in flight, and cutting one; for admins. */
export function connectionRoutes(router: Router, deps: ApiDeps): void {
  router.get('/api/admin/connections', async (ctx) => {
    await requireAdmin(ctx, deps);
    ctx.body = deps.flows?.list() ?? [];
  });

  router.delete('/api/admin/connections/:id', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    const text = ctx.params['id'] ?? '';
    if (!/^[1-9]\d{0,15}$/u.test(text)) throw badRequest(`"${text}" is not a connection id`);
    const cut = deps.flows?.cut(Number(text));
    if (cut === undefined) throw notFound(`no connection ${text} (it may have ended)`);
    deps.services.log.info('connection cut by an admin', { ...cut, admin: admin.claims.user });
    ctx.body = cut;
  });
}
