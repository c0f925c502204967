import { queryText } from '../query.js';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Manager } from '../../managers/types.js';
import { listAllUsers } from '../../users/all-users.js';
import { lastDays } from '../../util/local-day.js';
import { authenticate } from '../caller.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { requireAdmin } from '../guards.js';
import { quotaManagers } from '../managers-in-order.js';
import { callerUser, quotaOf, type DownloadQuota } from '../user-status.js';

/** How many days the charts draw, today included. */
export const HISTORY_DAYS = 30;

export interface DayTotal {
  /** The server's local calendar day, 'YYYY-MM-DD'. */
  readonly day: string;
  readonly bytes: number;
}

/** A quota manager as a chart's title names it. */
interface ChartQuota {
  readonly manager: string;
  readonly description: string | null;
}

/** The last HISTORY_DAYS days of `users` (everyone when undefined) under `quota`, zeros included. */
function history(deps: ApiDeps, quota: DownloadQuota, users?: readonly string[]): DayTotal[] {
  const days = lastDays(deps.services.clock.now(), HISTORY_DAYS);
  const first = days[0] ?? '';
  const last = days.at(-1) ?? '';
  const totals = deps.services.store.daily.sum(quota.name, { first, last }, users);
  return days.map((day) => ({ day, bytes: totals.get(day) ?? 0 }));
}

function chartQuota(quota: Manager): ChartQuota {
  return { manager: quota.name, description: quota.description ?? null };
}

/** `?name=` given at most once; empty is as absent (the page's select with nothing chosen). */
function queryGiven(ctx: Context, name: string): string | undefined {
  const value = queryText(ctx, name);
  return value === '' ? undefined : value;
}

/**
 * Bytes per day, for the bar charts: `GET /api/history` the caller's own (under the quota their
 * status page shows), `GET /api/admin/history` per group of a quota's users, or one group or user.
 */
export function historyRoutes(router: Router, deps: ApiDeps): void {
  router.get('/api/history', async (ctx) => {
    const { user, db } = callerUser(await authenticate(ctx, deps), deps);
    const quota = quotaOf(deps, db.name);
    ctx.set('Cache-Control', 'no-store');
    ctx.body =
      quota === undefined
        ? { manager: null, description: null, days: [] }
        : { ...chartQuota(quota), days: history(deps, quota, [user]) };
  });

  router.get('/api/admin/history', async (ctx) => {
    await requireAdmin(ctx, deps);
    const quotas = quotaManagers(deps);
    const wanted = queryGiven(ctx, 'manager');
    const quota = wanted === undefined ? quotas[0] : quotas.find((q) => q.name === wanted);
    if (quota === undefined) {
      throw notFound(
        wanted === undefined
          ? 'managers.toml has no [[dwnConsR]]: there is no download quota to chart'
          : `no download quota named "${wanted}"`,
      );
    }
    const users = listAllUsers(deps.users()).filter((u) => u.db === quota.userDBN);
    const base = { ...chartQuota(quota), managers: quotas.map(chartQuota) };
    ctx.set('Cache-Control', 'no-store');
    const user = queryGiven(ctx, 'user');
    if (user !== undefined) {
      if (!users.some((u) => u.name === user)) throw notFound(`no user "${user}" under "${quota.name}"`);
      ctx.body = { ...base, user, days: history(deps, quota, [user]) };
      return;
    }
    const members = new Map<string, string[]>();
    for (const u of users) {
      for (const group of u.groups) members.set(group, [...(members.get(group) ?? []), u.name]);
    }
    const group = queryGiven(ctx, 'group');
    if (group !== undefined) {
      const names = members.get(group);
      if (names === undefined) throw notFound(`no group "${group}" among the users of "${quota.name}"`);
      ctx.body = { ...base, group, members: names, days: history(deps, quota, names) };
      return;
    }
    ctx.body = {
      ...base,
      groups: [...members.keys()].sort().map((name) => {
        const names = members.get(name) ?? [];
        return { group: name, members: names, days: history(deps, quota, names) };
      }),
    };
  });
}
