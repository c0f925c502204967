import type Router from '@koa/router';
import { authenticate, callerIp } from '../caller.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { requireAdmin } from '../guards.js';
import { callerUser, findUser, userStatus } from '../user-status.js';

/** GET /api/status (the caller) and /api/status/:user (admins). */
export function statusRoutes(router: Router, deps: ApiDeps): void {
  router.get('/api/status', async (ctx) => {
    const caller = await authenticate(ctx, deps);
    const { user, db } = callerUser(caller, deps);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { ...userStatus(deps, db, user), refusals: deps.refusals?.recent(caller.ip, user) ?? [] };
  });

  // Needs no login: whoever cannot log in still learns why the proxy refused this address.
  router.get('/api/refusals', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = deps.refusals?.recent(callerIp(ctx)) ?? [];
  });

  router.get('/api/status/:user', async (ctx) => {
    await requireAdmin(ctx, deps);
    const user = ctx.params['user'] ?? '';
    const db = findUser(deps, user);
    if (db === undefined) throw notFound(`no user "${user}"`);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = userStatus(deps, db, user);
  });
}
