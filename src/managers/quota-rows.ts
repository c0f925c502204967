import { formatSize } from '../util/size.js';
import type { UserDirectory } from '../users/types.js';
import type { Manager } from './types.js';
import { withCapability, type ManagerWith } from './capabilities.js';
import { DOMAIN_ACCOUNT_PREFIX } from './up-quota.js';

/** What the admin commands and the control socket need of a quota manager. */
export type QuotaView = ManagerWith<'quota'>;

/** The quota managers among `managers`, in configuration order. */
export function quotaViews(managers: Iterable<Manager>): QuotaView[] {
  return withCapability(managers, 'quota');
}

/** One line of `pmproxy quota show`. */
export interface QuotaRow {
  readonly manager: string;
  readonly user: string;
  readonly bytesCons: number;
  readonly bytesQuota: number;
  readonly consumption: string;
  readonly quota: string;
  readonly resetAt: string;
}

export function quotaRow(q: QuotaView, user: string): QuotaRow {
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
}

/** The quota managers, or the one named `only`; a string says why there is none to use. */
export function pickQuotas(managers: Iterable<Manager>, only: string | undefined): QuotaView[] | string {
  const all = quotaViews(managers);
  if (all.length === 0) return 'managers.toml has no [[dwnConsR]] or [[upQuota]]';
  if (only === undefined) return all;
  const named = all.filter((m) => m.name === only);
  if (named.length > 0) return named;
  return `no quota named "${only}" (there is: ${all.map((m) => m.name).join(', ')})`;
}

/**
 * Whether `account` can have a quota: a user of one of the databases, or a signing domain's account
 * (`xmpp:chat.example.org`, upQuota's).
 */
export function isQuotaAccount(users: UserDirectory, account: string): boolean {
  if (account.startsWith(DOMAIN_ACCOUNT_PREFIX)) return true;
  return users.names().some((db) => users.get(db)?.groups(account) !== undefined);
}
