import type { TableReader } from '../config/table-reader.js';
import { anchorFromTomlDate, DEFAULT_CYCLE_ANCHOR, parseAnchor } from '../metering/cycle.js';
import { formatDuration } from '../util/duration.js';
import { formatSize } from '../util/size.js';
import type { Meter, Services } from './types.js';

/** `resetCycle` and `resetAnchor` of a quota table, read. */
export interface ResetGrid {
  readonly resetCycleMs: number;
  /** Where the reset grid is laid; the default puts "24h" at 00:00 UTC and "168h" on Mondays. */
  readonly resetAnchor: Date;
}

/**
 * What every quota counted in the shared ledger (dwnConsR, upQuota) offers the admin tools: the
 * consumption of one account (a user, or for upQuota also an XMPP domain) in the current cycle,
 * setting and resetting it, and the cycle. The ledger keeps the counts, keyed by manager name.
 */
export abstract class CycleQuota<C extends ResetGrid & { readonly name: string }> {
  readonly name: string;

  constructor(
    readonly config: C,
    protected readonly services: Services,
  ) {
    this.name = config.name;
  }

  /** The ledger counts under this name on this cycle from now on (see Manager.commit). */
  commit(): void {
    this.services.consumption.register(this.name, {
      lengthMs: this.config.resetCycleMs,
      anchor: this.config.resetAnchor,
    });
  }

  /** Bytes charged to `account` in the current cycle. */
  consumption(account: string): number {
    return this.services.consumption.used(this.name, account);
  }

  /** Sets the account's consumption in the current cycle (admin `set`), written through to the store. */
  setConsumption(account: string, bytes: number): void {
    this.services.consumption.set(this.name, account, bytes);
  }

  /** Back to 0 (the original's pmcl reset left 1 B). */
  reset(account: string): void {
    this.setConsumption(account, 0);
  }

  cycle(): { start: Date; next: Date } {
    return this.services.consumption.cycle(this.name);
  }

  /**
   * Why `bytes` more do not fit in `account`'s quota, counting what reservations hold: the words of
   * a refusal, the same whether the rule or a racing reservation found it.
   */
  protected quotaReached(account: string, quota: number, bytes: number): string {
    const used = this.consumption(account);
    const held = this.services.consumption.reserved(this.name, account);
    const inProgress = held > 0 ? `, ${formatSize(held)} held by uploads in progress` : '';
    return `quota reached: ${formatSize(used)} of ${formatSize(quota)} used${inProgress}, ${formatSize(bytes)} more asked (${account})`;
  }

  /**
   * A meter charging `account` against `quota`, fixed for the meter's lifetime; the consumption is
   * read live, shared by all meters of the account. charge() answers how many bytes fitted, leaving
   * out the room reservations hold; with `recordAll` it records every byte even past the quota (a
   * stored upload was used in full), otherwise only what fitted (a download flow is cut there).
   * reserve() holds room for a size known beforehand (see reserveAll).
   */
  protected meter(account: string, quota: number, recordAll: boolean): Meter {
    const ledger = this.services.consumption;
    const manager = this.name;
    const reached = (bytes: number): string => this.quotaReached(account, quota, bytes);
    return {
      manager,
      user: account,
      charge(bytes: number): number {
        if (!(bytes > 0)) return 0;
        const room = quota - ledger.used(manager, account) - ledger.reserved(manager, account);
        const fits = Math.max(0, Math.min(bytes, room));
        ledger.add(manager, account, recordAll ? bytes : fits);
        return fits;
      },
      reserve(bytes: number) {
        return ledger.reserve(manager, account, bytes, quota) ?? { refused: reached(bytes) };
      },
      describe(): string {
        return `${formatSize(ledger.used(manager, account))} of ${formatSize(quota)}`;
      },
    };
  }

  /** The cycle as `settings()` shows it. */
  protected cycleSettings(): { resetCycle: string; resetAnchor: string; nextReset: string } {
    return {
      resetCycle: formatDuration(this.config.resetCycleMs),
      resetAnchor: this.config.resetAnchor.toISOString(),
      nextReset: this.cycle().next.toISOString(),
    };
  }
}

/** `resetAnchor` as an RFC 3339 string or a TOML datetime; absent: the default grid. */
export function readResetAnchor(table: TableReader, key = 'resetAnchor'): Date | undefined {
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

/**
 * Reports a key written with the wrong case or name (`GroupQuota`, `userDB`) as unknown, naming the
 * right spelling, instead of the bare "unknown key" that `done()` would give. True when it was.
 */
export function misspelled(table: TableReader, written: string, right: string): boolean {
  if (!table.has(written)) return false;
  table.raw(written);
  table.issues.add(table.keyPath(written), `unknown key (the key is spelled ${right})`);
  return true;
}
