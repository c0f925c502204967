import type { Manager } from './types.js';

/**
 * What a manager offers beyond its test(), declared on the manager (`capabilities`) so that the
 * API, the admin tools and the metrics find quotas and session managers by what they can do, not by
 * their class or by probing for methods. Declaring one promises its interface below.
 */
export type Capability = 'quota' | 'downloadQuota' | 'sessions';

/** A quota counted in the shared ledger (dwnConsR, upQuota): what admins see and set. */
export interface QuotaCapability {
  quotaFor(account: string): number;
  consumption(account: string): number;
  setConsumption(account: string, bytes: number): void;
  reset(account: string): void;
  cycle(): { start: Date; next: Date };
}

/** A download quota over one user database's groups (dwnConsR). */
export interface DownloadQuotaCapability extends QuotaCapability {
  /** The user database whose users it counts. */
  readonly userDBN: string;
  /** Group → bytes: the configuration's, with the admin page's run-time overrides over it. */
  groupQuota(): ReadonlyMap<string, number>;
  /** Group → bytes as managers.toml writes them, without the overrides. */
  readonly configuredGroupQuota: ReadonlyMap<string, number>;
  readonly resetCycleMs: number;
}

/** Sessions bound to client addresses (sessionIPM): what a login opens. */
export interface SessionCapability {
  /** The user database logins check. */
  readonly auth: string;
  /** ms; 0: none. */
  readonly idleTimeout: number;
  readonly lifetime: number;
}

interface Promised {
  readonly quota: QuotaCapability;
  readonly downloadQuota: DownloadQuotaCapability;
  readonly sessions: SessionCapability;
}

export type ManagerWith<C extends Capability> = Manager & Promised[C];

export function hasCapability<C extends Capability>(
  manager: Manager,
  capability: C,
): manager is ManagerWith<C> {
  return manager.capabilities?.includes(capability) === true;
}

/** The managers among `managers` that declare `capability`, in their order. */
export function withCapability<C extends Capability>(
  managers: Iterable<Manager>,
  capability: C,
): ManagerWith<C>[] {
  return [...managers].filter((m): m is ManagerWith<C> => hasCapability(m, capability));
}
