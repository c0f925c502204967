import type { Caller } from './caller.js';
import { notFound } from './errors.js';
import { sessionManager } from './login.js';
import { formatSize } from '../util/size.js';
import type { ManagerWith } from '../managers/capabilities.js';
import type { UserDB } from '../users/types.js';
import type { ApiDeps } from './deps.js';
import type { Refusal } from '../proxy/refusal-log.js';
import { isAdmin } from './guards.js';
import { quotaManagers } from './managers-in-order.js';

/** A download quota (dwnConsR) as the pages and the API use it. */
export type DownloadQuota = ManagerWith<'downloadQuota'>;

/** What `GET /api/status` answers (pmproxy's UserInfo, plus the quota manager and the reset time). */
export interface UserStatus {
  readonly user: string;
  readonly name: string;
  readonly groups: readonly string[];
  readonly manager: string | null;
  readonly quota: string | null;
  readonly bytesQuota: number | null;
  readonly consumption: string | null;
  readonly bytesCons: number | null;
  readonly resetAt: string | null;
  readonly isAdmin: boolean;
  /** GET /api/status only: the proxy's last refusals of this user and address, newest first. */
  readonly refusals?: readonly Refusal[];
}

/** The user DB that knows `user`: `preferred` (the one their session came from) first. */
export function findUser(deps: ApiDeps, user: string, preferred?: string): UserDB | undefined {
  const users = deps.users();
  const names = preferred === undefined ? users.names() : [preferred, ...users.names()];
  for (const name of names) {
    const db = users.get(name);
    if (db?.groups(user) !== undefined) return db;
  }
  return undefined;
}

/** The logged-in caller's user and the database it comes from (the one of their session first). */
export function callerUser(caller: Caller, deps: ApiDeps): { user: string; db: UserDB } {
  const { user, manager } = caller.claims;
  const db = findUser(deps, user, sessionManager(deps, manager).auth);
  if (db === undefined) throw notFound(`${user} is no longer in any user database`);
  return { user, db };
}

/** The download quota that applies to `user` of `db`; `only` names one. */
export function quotaOf(deps: ApiDeps, db: string, only?: string): DownloadQuota | undefined {
  return quotaManagers(deps).find((m) => m.userDBN === db && (only === undefined || m.name === only));
}

export function userStatus(deps: ApiDeps, db: UserDB, user: string, quotaName?: string): UserStatus {
  const quota = quotaOf(deps, db.name, quotaName);
  const base = {
    user,
    name: db.displayName(user) ?? user,
    groups: [...(db.groups(user) ?? [])],
    isAdmin: isAdmin(deps, user),
  };
  if (quota === undefined) {
    return {
      ...base,
      manager: null,
      quota: null,
      bytesQuota: null,
      consumption: null,
      bytesCons: null,
      resetAt: null,
    };
  }
  const bytesQuota = quota.quotaFor(user);
  const bytesCons = quota.consumption(user);
  return {
    ...base,
    manager: quota.name,
    quota: formatSize(bytesQuota),
    bytesQuota,
    consumption: formatSize(bytesCons),
    bytesCons,
    resetAt: quota.cycle().next.toISOString(),
  };
}
