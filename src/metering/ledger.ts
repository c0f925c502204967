import type { Store } from '../store/types.js';
import type { Clock } from '../util/clock.js';
import { cycleStart, type CycleGrid } from './cycle.js';
import type { ConsumptionLedger } from './types.js';

/** One quota manager's counts in its current cycle. */
interface Account {
  grid: CycleGrid;
  /** Epoch ms of the current cycle's start and of the next one. */
  start: number;
  next: number;
  /** What the store held for this cycle at the last sync. */
  base: Map<string, number>;
  /** Charged since the last sync, not yet in the store. */
  pending: Map<string, number>;
}

/**
 * Consumption counted in memory and synced with the store. `add` is the hot path (every chunk of
 * every download): a map update, no I/O. Counts are base (the store at the last sync) plus pending
 * (charged since); `flush` writes pending and re-reads base, so a reset done by another process
 * (`pmproxy quota reset` while the server runs) is seen after the next flush. Everything is
 * synchronous, so no read-modify-write ever spans an await and concurrent flows never lose counts.
 */
export class Ledger implements ConsumptionLedger {
  readonly #accounts = new Map<string, Account>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /**
   * Registers a manager's cycle and loads its counts for the current cycle. Registering again with
   * the same grid (a configuration reload) keeps the counts in memory.
   */
  register(manager: string, cycle: { lengthMs: number; anchor: Date }): void {
    const grid: CycleGrid = { lengthMs: cycle.lengthMs, anchor: new Date(cycle.anchor.getTime()) };
    const start = cycleStart(this.clock.now(), grid.lengthMs, grid.anchor).getTime();
    const old = this.#accounts.get(manager);
    if (old !== undefined) {
      this.#roll(old);
      if (old.start === start && old.grid.lengthMs === grid.lengthMs) {
        old.grid = grid;
        return;
      }
      // The grid changed: keep what was charged under the old cycle before reading the new one.
      if (old.pending.size > 0) this.store.addConsumption(manager, old.start, old.pending);
    }
    this.#accounts.set(manager, {
      grid,
      start,
      next: start + grid.lengthMs,
      base: this.store.consumption(manager, start),
      pending: new Map(),
    });
  }

  used(manager: string, user: string): number {
    const account = this.#current(manager);
    return (account.base.get(user) ?? 0) + (account.pending.get(user) ?? 0);
  }

  add(manager: string, user: string, bytes: number): void {
    if (!(bytes > 0)) return;
    const account = this.#current(manager);
    account.pending.set(user, (account.pending.get(user) ?? 0) + bytes);
  }

  /** Writes through at once (admin reset, API set): the store and memory agree right away. */
  set(manager: string, user: string, bytes: number): void {
    if (!Number.isFinite(bytes) || bytes < 0)
      throw new RangeError(`consumption must be ≥ 0 bytes, not ${bytes}`);
    const account = this.#current(manager);
    this.store.setConsumption(manager, user, account.start, bytes);
    account.base.set(user, bytes);
    account.pending.delete(user);
  }

  cycle(manager: string): { start: Date; next: Date } {
    const account = this.#current(manager);
    return { start: new Date(account.start), next: new Date(account.next) };
  }

  /**
   * One `addConsumption` per manager with pending counts, then a re-read of the cycle's totals.
   * A manager whose write fails keeps its pending counts for the next flush; the others are still
   * written, and the first error is thrown afterwards so the caller can log it.
   */
  flush(): void {
    const failures: unknown[] = [];
    for (const [manager, account] of this.#accounts) {
      this.#roll(account);
      if (account.pending.size > 0) {
        const pending = account.pending;
        let totals: Map<string, number>;
        try {
          totals = this.store.addConsumption(manager, account.start, pending);
        } catch (err) {
          failures.push(err);
          continue;
        }
        // Written: from here on these bytes are in the store, never pending again.
        account.pending = new Map();
        for (const [user, total] of totals) account.base.set(user, total);
      }
      try {
        account.base = this.store.consumption(manager, account.start);
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, 'flushing consumption failed');
  }

  #current(manager: string): Account {
    const account = this.#accounts.get(manager);
    if (account === undefined) throw new Error(`no reset cycle registered for quota manager "${manager}"`);
    this.#roll(account);
    return account;
  }

  /**
   * Moves to the cycle the clock is in. Counts restart at 0 at once; what was pending for the old
   * cycle is dropped, as that cycle is over. The store is re-read at the next flush (no I/O here).
   */
  #roll(account: Account): void {
    const now = this.clock.now().getTime();
    if (now >= account.start && now < account.next) return;
    account.start = cycleStart(new Date(now), account.grid.lengthMs, account.grid.anchor).getTime();
    account.next = account.start + account.grid.lengthMs;
    account.base = new Map();
    account.pending = new Map();
  }
}
