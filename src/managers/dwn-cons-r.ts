import type { Capability, DownloadQuotaCapability } from './capabilities.js';
import type { TableReader } from '../config/table-reader.js';
import { formatSize } from '../util/size.js';
import { CycleQuota, misspelled, readResetAnchor, type ResetGrid } from './cycle-quota.js';
import { userOf } from './identity.js';
import { formatSizes, readGroupSizes, sumOverGroups } from './group-sizes.js';
import { checkUserDBName } from './user-db-check.js';
import type { KnownNames, Manager, ManagerKind, RequestContext, Services, Verdict } from './types.js';

export interface DwnConsRConfig extends ResetGrid {
  readonly name: string;
  /** The user DB whose users and groups this quota counts. */
  readonly userDBN: string;
  /** Group → bytes per cycle. */
  readonly groupQuota: ReadonlyMap<string, number>;
}

/**
 * A download quota (pmproxy's `dwnConsR`): each user may download the sum of their groups' quotas per
 * reset cycle. While room remains it answers true and meters the flow; every byte delivered is
 * charged to the shared ledger, and the flow is cut the moment the quota is reached.
 */
export class DownloadQuotaManager
  extends CycleQuota<DwnConsRConfig>
  implements Manager, DownloadQuotaCapability
{
  readonly kind = 'dwnConsR';
  readonly capabilities: readonly Capability[] = ['quota', 'downloadQuota'];

  get userDBN(): string {
    return this.config.userDBN;
  }
  get configuredGroupQuota(): ReadonlyMap<string, number> {
    return this.config.groupQuota;
  }
  get resetCycleMs(): number {
    return this.config.resetCycleMs;
  }

  test(ctx: RequestContext): Verdict | Promise<Verdict> {
    const user = userOf(ctx, this.config.userDBN, this.services);
    return user instanceof Promise ? user.then((u) => this.#judge(ctx, u)) : this.#judge(ctx, user);
  }

  /**
   * The user's quota: the sum over their groups listed in `groupQuota`, read from the user DB each
   * time (the original cached it until restart, so group changes never took effect).
   */
  quotaFor(user: string): number {
    return sumOverGroups(this.groupQuota(), this.services.users.get(this.config.userDBN)?.groups(user) ?? []);
  }

  /** `groupQuota` of the TOML with the admin's run-time overrides (kept in the store) over it. */
  groupQuota(): ReadonlyMap<string, number> {
    const overrides = this.services.store.groupQuotas.forManager(this.name);
    if (overrides.size === 0) return this.config.groupQuota;
    return new Map([...this.config.groupQuota, ...overrides]);
  }

  settings(): Record<string, unknown> {
    const { name, userDBN, groupQuota } = this.config;
    return { name, userDBN, groupQuota: formatSizes(groupQuota), ...this.cycleSettings() };
  }

  #judge(ctx: RequestContext, user: string | undefined): Verdict {
    if (user === undefined) return { match: false, reason: `no user for ${ctx.clientIp}` };
    const db = this.services.users.get(this.config.userDBN);
    if (db === undefined) return { match: false, reason: `no user database "${this.config.userDBN}"` };
    const groups = db.groups(user);
    if (groups === undefined) return { match: false, reason: `${user} is not in ${db.name}` };
    const quota = sumOverGroups(this.groupQuota(), groups);
    const used = this.consumption(user);
    if (used >= quota) {
      return {
        match: false,
        quotaExhausted: true,
        resetsAt: this.cycle().next,
        reason: `quota exhausted: ${formatSize(used)} of ${formatSize(quota)} used`,
      };
    }
    const effect = { kind: 'meter', meter: this.meter(user, quota, false) } as const;
    // Said only where a person reads it (discovery, status): the proxy's hot path skips the formatting.
    if (ctx.surface === 'proxy') return { match: true, effect };
    return { match: true, effect, reason: `${user}: ${formatSize(used)} of ${formatSize(quota)} used` };
  }
}

export const dwnConsR: ManagerKind<DwnConsRConfig> = {
  kind: 'dwnConsR',

  parse(table: TableReader): DwnConsRConfig | undefined {
    const name = table.string('name', { required: true, nonEmpty: true });
    const userDBN = table.string('userDBN', { required: true, nonEmpty: true });
    const resetCycleMs = table.duration('resetCycle', { required: true, positive: true });
    misspelled(table, 'GroupQuota', 'groupQuota');
    const groupQuota = readGroupSizes(table, 'groupQuota');
    const resetAnchor = readResetAnchor(table);
    table.done();
    if (
      name === undefined ||
      userDBN === undefined ||
      resetCycleMs === undefined ||
      groupQuota === undefined ||
      resetAnchor === undefined
    ) {
      return undefined;
    }
    return { name, userDBN, resetCycleMs, groupQuota, resetAnchor };
  },

  check(config: DwnConsRConfig, known: KnownNames, table: TableReader): void {
    checkUserDBName(config.userDBN, 'userDBN', known, table);
  },

  create(config: DwnConsRConfig, services: Services): DownloadQuotaManager {
    return new DownloadQuotaManager(config, services);
  },
};
