import type Router from '@koa/router';
import { byteCountField, fields, stringField } from '../body.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { requireAdmin } from '../guards.js';
import { findUser, quotaOf, userStatus, type UserStatus } from '../user-status.js';

/** Sessions, consumption and manager settings, for admins. */
export function adminRoutes(router: Router, deps: ApiDeps): void {
  router.get('/api/sessions', async (ctx) => {
    await requireAdmin(ctx, deps);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = deps.services.sessions.list().map((s) => ({
      manager: s.manager,
      ip: s.ip,
      user: s.user,
      openedAt: new Date(s.openedAt).toISOString(),
      lastSeen: new Date(s.lastSeen).toISOString(),
    }));
  });

  router.delete('/api/sessions/:user', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    const user = ctx.params['user'] ?? '';
    const closed = deps.services.sessions.closeUser(user);
    if (closed === 0) throw notFound(`${user} has no open session`);
    deps.services.log.info('sessions closed by an admin', { user, closed, admin: admin.claims.user });
    ctx.body = { closed };
  });

  router.put('/api/consumption/:user', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    const user = ctx.params['user'] ?? '';
    const body = fields(ctx);
    const bytes = byteCountField(body, 'bytes');
    ctx.body = setConsumption(deps, admin.claims.user, user, bytes, stringField(body, 'manager'));
  });

  router.get('/api/managers', async (ctx) => {
    await requireAdmin(ctx, deps);
    ctx.body = [...deps.managers().values()].map((m) => ({ name: m.name, type: m.kind }));
  });

  router.get('/api/managers/:name', async (ctx) => {
    await requireAdmin(ctx, deps);
    const name = ctx.params['name'] ?? '';
    const manager = deps.managers().get(name);
    if (manager === undefined) throw notFound(`no manager "${name}"`);
    ctx.body = { name: manager.name, type: manager.kind, settings: manager.settings() };
  });
}

/** Sets `user`'s consumption under their download quota (`only` names one), logged with the admin. */
export function setConsumption(
  deps: ApiDeps,
  admin: string,
  user: string,
  bytes: number,
  only: string | undefined,
): UserStatus {
  const db = findUser(deps, user);
  if (db === undefined) throw notFound(`no user "${user}"`);
  const quota = quotaOf(deps, db.name, only);
  if (quota === undefined) {
    throw notFound(`no download quota ${only === undefined ? '' : `named "${only}" `}applies to ${user}`);
  }
  quota.setConsumption(user, bytes);
  deps.services.log.info('consumption set by an admin', { user, bytes, manager: quota.name, admin });
  return userStatus(deps, db, user, quota.name);
}
