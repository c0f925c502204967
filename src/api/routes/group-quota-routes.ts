import type Router from '@koa/router';
import { formatSize, parseSize } from '../../util/size.js';
import { fields, stringField } from '../body.js';
import type { ApiDeps } from '../deps.js';
import { badRequest, notFound } from '../errors.js';
import { requireAdmin } from '../guards.js';
import { quotaManagers } from '../managers-in-order.js';
import type { DownloadQuota } from '../user-status.js';

/** A group's download quota in one dwnConsR: the TOML value, the admin's override, and the one in force. */
export interface GroupQuotaRow {
  readonly manager: string;
  readonly group: string;
  readonly toml: string | null;
  readonly override: string | null;
  readonly quota: string;
  readonly bytes: number;
}

function rowsOf(quota: DownloadQuota, deps: ApiDeps): GroupQuotaRow[] {
  const overrides = deps.services.store.groupQuotas.forManager(quota.name);
  return [...quota.groupQuota()].map(([group, bytes]) => {
    const toml = quota.configuredGroupQuota.get(group);
    const override = overrides.get(group);
    return {
      manager: quota.name,
      group,
      toml: toml === undefined ? null : formatSize(toml),
      override: override === undefined ? null : formatSize(override),
      quota: formatSize(bytes),
      bytes,
    };
  });
}

function managerNamed(deps: ApiDeps, name: string): DownloadQuota {
  const quota = quotaManagers(deps).find((m) => m.name === name);
  if (quota === undefined) throw notFound(`no download quota named "${name}"`);
  return quota;
}

/** Group quotas changed at run time over the TOML, kept in the store, revertible; for admins. */
export function groupQuotaRoutes(router: Router, deps: ApiDeps): void {
  router.get('/api/admin/group-quotas', async (ctx) => {
    await requireAdmin(ctx, deps);
    ctx.body = quotaManagers(deps).flatMap((m) => rowsOf(m, deps));
  });

  router.put('/api/admin/group-quotas/:manager/:group', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    const quota = managerNamed(deps, ctx.params['manager'] ?? '');
    const group = ctx.params['group'] ?? '';
    if (group.trim() === '' || group.length > 64) throw badRequest('a group name is 1 to 64 characters');
    const bytes = parseSize(stringField(fields(ctx), 'quota', true));
    if (typeof bytes !== 'number') throw badRequest(bytes.error);
    deps.services.store.groupQuotas.set(quota.name, group, bytes);
    deps.services.log.info('group quota set by an admin', {
      manager: quota.name,
      group,
      bytes,
      admin: admin.claims.user,
    });
    ctx.body = rowsOf(quota, deps).find((r) => r.group === group);
  });

  router.delete('/api/admin/group-quotas/:manager/:group', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    const quota = managerNamed(deps, ctx.params['manager'] ?? '');
    const group = ctx.params['group'] ?? '';
    if (!deps.services.store.groupQuotas.revert(quota.name, group)) {
      throw notFound(`the group "${group}" of ${quota.name} has no run-time quota`);
    }
    deps.services.log.info('group quota reverted by an admin', {
      manager: quota.name,
      group,
      admin: admin.claims.user,
    });
    ctx.body = rowsOf(quota, deps).find((r) => r.group === group) ?? {
      manager: quota.name,
      group,
      reverted: true,
    };
  });
}
