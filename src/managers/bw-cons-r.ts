import type { TableReader } from '../config/table-reader.js';
import { formatSize } from '../util/size.js';
import { userOf } from './identity.js';
import { readGroupSizes } from './group-sizes.js';
import { checkUserDBName } from './user-db-check.js';
import type { KnownNames, Manager, ManagerKind, Pacer, RequestContext, Services, Verdict } from './types.js';

export interface BwConsRConfig {
  readonly name: string;
  readonly userDBN: string;
  /** Group → bytes per second. */
  readonly groupRate: ReadonlyMap<string, number>;
}

/**
 * A bandwidth limit per group (pmproxy's `bwConsR`, unwired in the original): a user gets the
 * largest rate among their groups, shared by all of their connections, applied by pacing reads.
 * A user in none of the listed groups is not limited.
 */
export class BandwidthManager implements Manager {
  readonly kind = 'bwConsR';
  readonly name: string;

  constructor(
    readonly config: BwConsRConfig,
    private readonly services: Services,
  ) {
    this.name = config.name;
  }

  test(ctx: RequestContext): Verdict | Promise<Verdict> {
    const user = userOf(ctx, this.config.userDBN, this.services);
    return user instanceof Promise ? user.then((u) => this.#judge(ctx, u)) : this.#judge(ctx, user);
  }

  /** Bytes per second for `user`: the largest of their groups' rates; undefined when unlimited. */
  rateFor(user: string): number | undefined {
    const groups = this.services.users.get(this.config.userDBN)?.groups(user) ?? [];
    let rate: number | undefined;
    for (const group of groups) {
      const r = this.config.groupRate.get(group);
      if (r !== undefined && (rate === undefined || r > rate)) rate = r;
    }
    return rate;
  }

  settings(): Record<string, unknown> {
    const { name, userDBN, groupRate } = this.config;
    return {
      name,
      userDBN,
      groupRate: Object.fromEntries([...groupRate].map(([group, rate]) => [group, `${formatSize(rate)}/s`])),
    };
  }

  #judge(ctx: RequestContext, user: string | undefined): Verdict {
    if (user === undefined) return { match: false, reason: `no user for ${ctx.clientIp}` };
    const rate = this.rateFor(user);
    if (rate === undefined) return { match: true, reason: `${user} has no bandwidth limit` };
    const pool = this.services.bandwidth;
    const manager = this.name;
    const pacer: Pacer = {
      manager,
      user,
      take: (bytes: number) => pool.take(manager, user, rate, bytes),
    };
    return { match: true, effect: { kind: 'pace', pacer } };
  }
}

export const bwConsR: ManagerKind<BwConsRConfig> = {
  kind: 'bwConsR',

  parse(table: TableReader): BwConsRConfig | undefined {
    const name = table.string('name', { required: true, nonEmpty: true });
    const userDBN = table.string('userDBN', { required: true, nonEmpty: true });
    const groupRate = readGroupSizes(table, 'groupRate', { perSecond: true, positive: true });
    table.done();
    if (name === undefined || userDBN === undefined || groupRate === undefined) return undefined;
    return { name, userDBN, groupRate };
  },

  check(config: BwConsRConfig, known: KnownNames, table: TableReader): void {
    checkUserDBName(config.userDBN, 'userDBN', known, table);
  },

  create(config: BwConsRConfig, services: Services): BandwidthManager {
    return new BandwidthManager(config, services);
  },
};
