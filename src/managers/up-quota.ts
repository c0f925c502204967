import type { Capability, QuotaCapability } from './capabilities.js';
import type { TableReader } from '../config/table-reader.js';
import { formatSize } from '../util/size.js';
import { CycleQuota, misspelled, readResetAnchor, type ResetGrid } from './cycle-quota.js';
import { formatSizes, readGroupSizes, sumOverGroups } from './group-sizes.js';
import { userOf } from './identity.js';
import { checkUserDBName } from './user-db-check.js';
import { parseXmppDomain } from './xmpp-domain.js';
import type {
  KnownNames,
  Manager,
  ManagerKind,
  RequestContext,
  Services,
  UploadRequest,
  Verdict,
} from './types.js';

export interface UpQuotaConfig extends ResetGrid {
  readonly name: string;
  /** Normalized XMPP domain → bytes per cycle; empty when the table gives none. */
  readonly domainQuota: ReadonlyMap<string, number>;
  /** The user DB whose users `groupQuota` counts; undefined when only domains are counted. */
  readonly userDBN?: string;
  /** Group → bytes per cycle; empty without `userDBN`. */
  readonly groupQuota: ReadonlyMap<string, number>;
}

/**
 * The ledger account of an XMPP domain. User accounts are the bare user name, as under dwnConsR;
 * ":" is no character of a [sqlDB] user name nor of a Basic-auth user, and a user of a [mapDB]
 * whose name begins with "xmpp:" is given no upload quota here, so the two never share an account.
 */
export const DOMAIN_ACCOUNT_PREFIX = 'xmpp:';

export function domainAccount(domain: string): string {
  return `${DOMAIN_ACCOUNT_PREFIX}${domain}`;
}

/**
 * An upload quota (`upQuota`): per reset cycle, each XMPP domain may upload its `domainQuota`, and
 * each user of `userDBN` the sum of their groups' `groupQuota`. The uploader is the domain of a
 * hmacUpload that verified the upload (from `upload.signedBy`) when domainQuota lists it, else
 * the user of the request. The upload's size is known before its body is read, so an upload that
 * would pass the quota is refused before a byte is stored.
 *
 * Evaluation order: `signedBy` is filled by the hmacUpload managers the rule reaches first, so this
 * manager must come after them (`signed ∧ ¬banned ∧ room`), as dwnConsR comes after sessions.
 *
 * The route's contract: a yes carries `{ kind: 'meter', meter }` (in Decision.meters). Before
 * reading the body the route reserves the size in every meter at once (reserveAll), which checks
 * again with the reservations of uploads in progress and holds the room, so parallel uploads
 * cannot all pass; this verdict already counts the reservations held when it is asked. The
 * reservation is committed in the transaction that records the stored file, and released for an
 * upload that fails or is refused later (409, 413, 507, a short body, a scan). charge() records
 * every byte, even past the quota: what a meter without reservations was given is used.
 */
export class UploadQuotaManager extends CycleQuota<UpQuotaConfig> implements Manager, QuotaCapability {
  readonly kind = 'upQuota';
  readonly capabilities: readonly Capability[] = ['quota'];

  test(ctx: RequestContext): Verdict | Promise<Verdict> {
    const upload = ctx.upload;
    if (ctx.surface !== 'upload' || upload === undefined) {
      return { match: false, reason: 'only judges uploads' };
    }
    const domain = this.#signingDomain(upload);
    if (domain !== undefined)
      return this.#judge(domainAccount(domain), this.quotaFor(domainAccount(domain)), upload);
    const db = this.config.userDBN;
    if (db === undefined) return this.#noQuota(upload, []);
    const user = userOf(ctx, db, this.services);
    return user instanceof Promise
      ? user.then((u) => this.#judgeUser(u, db, upload))
      : this.#judgeUser(user, db, upload);
  }

  /**
   * The quota of an account per cycle: a domain's (`xmpp:chat.example.org`) from domainQuota, a
   * user's the sum over their groups in groupQuota, read from the user DB each time. 0: none.
   */
  quotaFor(account: string): number {
    if (account.startsWith(DOMAIN_ACCOUNT_PREFIX)) {
      return this.config.domainQuota.get(account.slice(DOMAIN_ACCOUNT_PREFIX.length)) ?? 0;
    }
    const db = this.config.userDBN;
    if (db === undefined) return 0;
    return sumOverGroups(this.config.groupQuota, this.services.users.get(db)?.groups(account) ?? []);
  }

  settings(): Record<string, unknown> {
    const { name, domainQuota, userDBN, groupQuota } = this.config;
    const used = [...domainQuota.keys()].map((d) => [d, formatSize(this.consumption(domainAccount(d)))]);
    return {
      name,
      ...(domainQuota.size === 0 ? {} : { domainQuota: formatSizes(domainQuota) }),
      ...(userDBN === undefined ? {} : { userDBN, groupQuota: formatSizes(groupQuota) }),
      ...this.cycleSettings(),
      // What each domain used so far this cycle, so `show` answers "how full is chat.example.org?".
      ...(domainQuota.size === 0 ? {} : { domainUsed: Object.fromEntries(used) }),
    };
  }

  /** The first verified signer whose domain domainQuota lists. */
  #signingDomain(upload: UploadRequest): string | undefined {
    for (const domain of upload.signedBy.values()) if (this.config.domainQuota.has(domain)) return domain;
    return undefined;
  }

  #judgeUser(user: string | undefined, db: string, upload: UploadRequest): Verdict {
    if (user === undefined) return this.#noQuota(upload, [`no user of ${db} known`]);
    const quota = user.startsWith(DOMAIN_ACCOUNT_PREFIX) ? 0 : this.quotaFor(user);
    if (quota === 0) return this.#noQuota(upload, [`${user} has no group in groupQuota`]);
    return this.#judge(user, quota, upload);
  }

  #noQuota(upload: UploadRequest, why: string[]): Verdict {
    const signers = [...new Set(upload.signedBy.values())];
    const details =
      signers.length === 0 ? why : [`signed for ${signers.join(', ')}, not in domainQuota`, ...why];
    const more = details.length === 0 ? '' : ` (${details.join('; ')})`;
    // No signer at all while domains are counted: most likely the rule asks this manager first.
    if (signers.length === 0 && this.config.domainQuota.size > 0) {
      const order = `put the hmacUpload manager before ${this.name} in the rule`;
      return { match: false, reason: `no signer recognised yet: ${order}${more}` };
    }
    return { match: false, reason: `no upload quota for this uploader${more}` };
  }

  #judge(account: string, quota: number, upload: UploadRequest): Verdict {
    const used = this.consumption(account);
    const state = `${formatSize(used)} of ${formatSize(quota)} used`;
    const held = this.services.consumption.reserved(this.name, account);
    if (used + held + upload.size > quota) {
      return { match: false, quotaExhausted: true, reason: this.quotaReached(account, quota, upload.size) };
    }
    const effect = { kind: 'meter', meter: this.meter(account, quota, true) } as const;
    return { match: true, effect, reason: `${account}: ${state}` };
  }
}

export const upQuota: ManagerKind<UpQuotaConfig> = {
  kind: 'upQuota',

  parse(table: TableReader): UpQuotaConfig | undefined {
    const name = table.string('name', { required: true, nonEmpty: true });
    const resetCycleMs = table.duration('resetCycle', { required: true, positive: true });
    const domainQuota = readGroupSizes(table, 'domainQuota', { required: false, keyOf: parseXmppDomain });
    // Both checked (not ||), so each wrong spelling is reported.
    const wrongSpelling = [
      misspelled(table, 'userDB', 'userDBN'),
      misspelled(table, 'GroupQuota', 'groupQuota'),
    ];
    const userDBN = table.string('userDBN', { nonEmpty: true });
    const groupQuota = readGroupSizes(table, 'groupQuota', { required: false });
    const resetAnchor = readResetAnchor(table);
    const counted = checkWhatIsCounted(table, domainQuota, groupQuota);
    table.done();
    if (
      name === undefined ||
      resetCycleMs === undefined ||
      resetAnchor === undefined ||
      !counted ||
      wrongSpelling.includes(true) ||
      (table.has('domainQuota') && domainQuota === undefined) ||
      (table.has('userDBN') && userDBN === undefined) ||
      (table.has('groupQuota') && groupQuota === undefined)
    ) {
      return undefined;
    }
    return {
      name,
      resetCycleMs,
      resetAnchor,
      domainQuota: domainQuota ?? new Map(),
      ...(userDBN === undefined ? {} : { userDBN }),
      groupQuota: groupQuota ?? new Map(),
    };
  },

  check(config: UpQuotaConfig, known: KnownNames, table: TableReader): void {
    if (config.userDBN !== undefined) checkUserDBName(config.userDBN, 'userDBN', known, table);
  },

  create(config: UpQuotaConfig, services: Services): UploadQuotaManager {
    return new UploadQuotaManager(config, services);
  },
};

/** At least one way of counting, and groupQuota only together with the user DB it reads groups from. */
function checkWhatIsCounted(
  table: TableReader,
  domainQuota: ReadonlyMap<string, number> | undefined,
  groupQuota: ReadonlyMap<string, number> | undefined,
): boolean {
  const domains = table.has('domainQuota');
  const groups = table.has('groupQuota');
  const db = table.has('userDBN');
  if (domainQuota?.size === 0) {
    table.issues.add(table.keyPath('domainQuota'), 'lists no domain: give one ("chat.example.org" = "5 GB")');
    return false;
  }
  if (groupQuota?.size === 0) {
    table.issues.add(table.keyPath('groupQuota'), 'lists no group: give one (students = "1 GB")');
    return false;
  }
  if (groups && !db) {
    table.issues.add(table.keyPath('groupQuota'), 'needs userDBN: the user DB whose users’ groups it counts');
    return false;
  }
  if (db && !groups) {
    table.issues.add(table.keyPath('userDBN'), 'needs groupQuota: without it no user of the DB has a quota');
    return false;
  }
  if (!domains && !groups) {
    table.issues.add(
      table.path,
      'counts nothing: give domainQuota (per XMPP domain) and/or userDBN with groupQuota (per user group)',
    );
    return false;
  }
  return true;
}
