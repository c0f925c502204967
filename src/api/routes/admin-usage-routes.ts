import type Router from '@koa/router';
import { listAllUsers } from '../../users/all-users.js';
import { formatSize, parseSize } from '../../util/size.js';
import { fields, stringField } from '../body.js';
import type { ApiDeps } from '../deps.js';
import { badRequest } from '../errors.js';
import { requireAdmin } from '../guards.js';
import { quotaOf } from '../user-status.js';
import { setConsumption } from './admin-routes.js';

/** One row of the admin page's usage table: a user of one database, with the quota that applies. */
export interface UsageRow {
  readonly db: string;
  readonly kind: string;
  readonly readOnly: boolean;
  readonly name: string;
  readonly displayName: string;
  readonly groups: readonly string[];
  readonly manager: string | null;
  readonly bytesCons: number | null;
  readonly consumption: string | null;
  readonly bytesQuota: number | null;
  readonly quota: string | null;
  /** The newest lastSeen of the user's open sessions; null without one. */
  readonly lastActivity: string | null;
}

function lastSeenByUser(deps: ApiDeps): Map<string, number> {
  const seen = new Map<string, number>();
  for (const s of deps.services.sessions.list())
    seen.set(s.user, Math.max(seen.get(s.user) ?? 0, s.lastSeen));
  return seen;
}

/** The usage table and setting a consumption from a size ("30 MB"), for admins. */
export function adminUsageRoutes(router: Router, deps: ApiDeps): void {
  router.get('/api/admin/usage', async (ctx) => {
    await requireAdmin(ctx, deps);
    const seen = lastSeenByUser(deps);
    const rows: UsageRow[] = listAllUsers(deps.users()).map((u) => {
      const quota = quotaOf(deps, u.db);
      const bytesCons = quota?.consumption(u.name) ?? null;
      const bytesQuota = quota?.quotaFor(u.name) ?? null;
      const last = seen.get(u.name);
      return {
        db: u.db,
        kind: u.kind,
        readOnly: u.readOnly,
        name: u.name,
        displayName: u.displayName,
        groups: [...u.groups],
        manager: quota?.name ?? null,
        bytesCons,
        consumption: bytesCons === null ? null : formatSize(bytesCons),
        bytesQuota,
        quota: bytesQuota === null ? null : formatSize(bytesQuota),
        lastActivity: last === undefined ? null : new Date(last).toISOString(),
      };
    });
    ctx.body = rows;
  });

  router.put('/api/admin/usage/:user', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    const user = ctx.params['user'] ?? '';
    const body = fields(ctx);
    const text = stringField(body, 'consumption', true);
    const bytes = parseSize(text);
    if (typeof bytes !== 'number') throw badRequest(bytes.error);
    ctx.body = setConsumption(deps, admin.claims.user, user, bytes, stringField(body, 'manager'));
  });
}
