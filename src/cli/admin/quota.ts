import { CommandError, noSuchUser } from '../command-error.js';
import { listAllUsers } from '../../users/all-users.js';
import type { Manager } from '../../managers/types.js';
import { formatSize } from '../../util/size.js';
import { UsageError } from '../usage-error.js';
import { managersOfKind, type AdminContext } from './context.js';
import type { AdminFlags } from './dispatch.js';

/** The quota kinds the commands manage: download quotas, and upload quotas (users and `xmpp:` domains). */
const QUOTA_KINDS = ['dwnConsR', 'upQuota'];

/** What the admin commands need of a quota manager. */
export interface QuotaView extends Manager {
  quotaFor(user: string): number;
  consumption(user: string): number;
  reset(user: string): void;
  cycle(): { start: Date; next: Date };
}

function isQuotaView(m: Manager): m is QuotaView {
  const q = m as Partial<QuotaView>;
  return (
    typeof q.quotaFor === 'function' && typeof q.consumption === 'function' && typeof q.reset === 'function'
  );
}

export function quotaManagers(ctx: AdminContext, only?: string): QuotaView[] {
  const all = QUOTA_KINDS.flatMap((kind) => managersOfKind(ctx, kind)).filter(isQuotaView);
  if (only === undefined) return all;
  const named = all.filter((m) => m.name === only);
  if (named.length === 0) {
    throw new CommandError(
      `no quota named "${only}" (there is: ${all.map((m) => m.name).join(', ') || 'none'})`,
    );
  }
  return named;
}

export function quotaCommand(ctx: AdminContext, verb: string, args: string[], flags: AdminFlags): number {
  const [user] = args;
  if (user === undefined) throw new UsageError(`quota ${verb}: which user?`);
  const quotas = quotaManagers(ctx, flags.manager);
  if (quotas.length === 0) {
    process.stderr.write('pmproxy: managers.toml has no [[dwnConsR]] or [[upQuota]]\n');
    return 1;
  }
  if (!user.startsWith('xmpp:') && !listAllUsers(ctx.services.users).some((u) => u.name === user)) {
    throw noSuchUser(user);
  }
  switch (verb) {
    case 'show': {
      const rows = quotas.map((q) => {
        const used = q.consumption(user);
        const quota = q.quotaFor(user);
        return {
          manager: q.name,
          user,
          bytesCons: used,
          bytesQuota: quota,
          consumption: formatSize(used),
          quota: formatSize(quota),
          resetAt: q.cycle().next.toISOString(),
        };
      });
      if (flags.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
      else {
        for (const r of rows) {
          process.stdout.write(
            `${r.manager}: ${r.user} used ${r.consumption} of ${r.quota} (next reset ${r.resetAt})\n`,
          );
        }
      }
      return 0;
    }
    case 'reset': {
      for (const q of quotas) {
        q.reset(user);
        process.stdout.write(`${q.name}: consumption of ${user} reset to 0 B\n`);
      }
      return 0;
    }
    default:
      throw new UsageError(`unknown action "quota ${verb}"`);
  }
}
