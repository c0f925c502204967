import type Router from '@koa/router';
import { lockoutTarget } from '../../auth/lockout-target.js';
import type { ApiDeps } from '../deps.js';
import { badRequest, notFound } from '../errors.js';
import { requireAdmin } from '../guards.js';

/** Lockouts of failed logins, for admins: GET /api/logins, DELETE /api/logins/:addressOrUser. */
export function loginRoutes(router: Router, deps: ApiDeps): void {
  router.get('/api/logins', async (ctx) => {
    await requireAdmin(ctx, deps);
    ctx.body = deps.passwords.limiter.lockouts().map((count) => ({
      ip: count.ip,
      // null: the whole address is locked, whoever logs in from it.
      user: count.user ?? null,
      failures: count.failures,
      until: new Date(count.expires).toISOString(),
    }));
  });

  router.delete('/api/logins/:who', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    const who = ctx.params['who'] ?? '';
    if (who === '') throw badRequest('name an address or a user');
    const target = lockoutTarget(who);
    const lifted = deps.passwords.limiter.unlock(target);
    if (lifted === 0) throw notFound(`no failed logins recorded for ${who}`);
    deps.services.log.warn('login lockout lifted by an admin', { ...target, admin: admin.claims.user });
    ctx.body = { lifted };
  });
}
