import type { TableReader } from '../config/table-reader.js';
import { anchorFromTomlDate, DEFAULT_CYCLE_ANCHOR, parseAnchor } from '../metering/cycle.js';
import { formatDuration } from '../util/duration.js';
import { formatSize } from '../util/size.js';
import { userOf } from './identity.js';
import { readGroupSizes } from './group-sizes.js';
import { checkUserDBName } from './user-db-check.js';
import type { KnownNames, Manager, ManagerKind, Meter, RequestContext, Services, Verdict } from './types.js';

export interface DwnConsRConfig {
  readonly name: string;
  /** The user DB whose users and groups this quota counts. */
  readonly userDBN: string;
  readonly resetCycleMs: number;
  /** Group → bytes per cycle. */
  readonly groupQuota: ReadonlyMap<string, number>;
  /** Where the reset grid is laid; the default puts "24h" at 00:00 UTC and "168h" on Mondays. */
  readonly resetAnchor: Date;
}

/**
 * A download quota (pmproxy's `dwnConsR`): each user may download the sum of their groups' quotas per
 * reset cycle. While room remains it answers true and meters the flow; every byte delivered is
 * charged to the shared ledger, and the flow is cut the moment the quota is reached.
 */
export class DownloadQuotaManager implements Manager {
  readonly kind = 'dwnConsR';
  readonly name: string;

  constructor(
    readonly config: DwnConsRConfig,
    private readonly services: Services,
  ) {
    this.name = config.name;
    services.consumption.register(config.name, { lengthMs: config.resetCycleMs, anchor: config.resetAnchor });
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
    return this.#quotaOf(this.services.users.get(this.config.userDBN)?.groups(user) ?? []);
  }

  /** Bytes `user` downloaded in the current cycle. */
  consumption(user: string): number {
    return this.services.consumption.used(this.name, user);
  }

  /** Sets the user's consumption in the current cycle (admin `set`), written through to the store. */
  setConsumption(user: string, bytes: number): void {
    this.services.consumption.set(this.name, user, bytes);
  }

  /** Back to 0 (the original's pmcl reset left 1 B). */
  reset(user: string): void {
    this.setConsumption(user, 0);
  }

  cycle(): { start: Date; next: Date } {
    return this.services.consumption.cycle(this.name);
  }

  settings(): Record<string, unknown> {
    const { name, userDBN, resetCycleMs, groupQuota, resetAnchor } = this.config;
    return {
      name,
      userDBN,
      resetCycle: formatDuration(resetCycleMs),
      groupQuota: Object.fromEntries([...groupQuota].map(([group, bytes]) => [group, formatSize(bytes)])),
      resetAnchor: resetAnchor.toISOString(),
      nextReset: this.cycle().next.toISOString(),
    };
  }

  #judge(ctx: RequestContext, user: string | undefined): Verdict {
    if (user === undefined) return { match: false, reason: `no user for ${ctx.clientIp}` };
    const db = this.services.users.get(this.config.userDBN);
    if (db === undefined) return { match: false, reason: `no user database "${this.config.userDBN}"` };
    const groups = db.groups(user);
    if (groups === undefined) return { match: false, reason: `${user} is not in ${db.name}` };
    const quota = this.#quotaOf(groups);
    const used = this.consumption(user);
    if (used >= quota) {
      return {
        match: false,
        quotaExhausted: true,
        reason: `quota exhausted: ${formatSize(used)} of ${formatSize(quota)} used`,
      };
    }
    const effect = { kind: 'meter', meter: this.#meter(user, quota) } as const;
    // Said only where a person reads it (discovery, status): the proxy's hot path skips the formatting.
    if (ctx.surface === 'proxy') return { match: true, effect };
    return { match: true, effect, reason: `${user}: ${formatSize(used)} of ${formatSize(quota)} used` };
  }

  #quotaOf(groups: readonly string[]): number {
    let total = 0;
    for (const group of new Set(groups)) total += this.config.groupQuota.get(group) ?? 0;
    return total;
  }

  /** The quota is fixed for the flow's lifetime; the consumption is read live, shared by all flows. */
  #meter(user: string, quota: number): Meter {
    const ledger = this.services.consumption;
    const manager = this.name;
    return {
      manager,
      user,
      charge(bytes: number): number {
        if (!(bytes > 0)) return 0;
        const room = quota - ledger.used(manager, user);
        const fits = room <= 0 ? 0 : Math.min(bytes, room);
        ledger.add(manager, user, fits);
        return fits;
      },
      describe(): string {
        return `${formatSize(ledger.used(manager, user))} of ${formatSize(quota)}`;
      },
    };
  }
}

export const dwnConsR: ManagerKind<DwnConsRConfig> = {
  kind: 'dwnConsR',

  parse(table: TableReader): DwnConsRConfig | undefined {
    const name = table.string('name', { required: true, nonEmpty: true });
    const userDBN = table.string('userDBN', { required: true, nonEmpty: true });
    const resetCycleMs = table.duration('resetCycle', { required: true, positive: true });
    if (table.has('GroupQuota')) {
      table.raw('GroupQuota');
      table.issues.add(table.keyPath('GroupQuota'), 'unknown key (the key is spelled groupQuota)');
    }
    const groupQuota = readGroupSizes(table, 'groupQuota');
    const resetAnchor = readAnchor(table, 'resetAnchor');
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

function readAnchor(table: TableReader, key: string): Date | undefined {
  const v = table.raw(key);
  if (v === undefined) return DEFAULT_CYCLE_ANCHOR;
  let anchor: Date | { error: string };
  if (typeof v === 'string') anchor = parseAnchor(v);
  else if (v instanceof Date) anchor = anchorFromTomlDate(v);
  else anchor = { error: 'must be a date and time such as 2024-01-01T00:00:00Z' };
  if (anchor instanceof Date) return anchor;
  table.issues.add(table.keyPath(key), anchor.error);
  return undefined;
}
