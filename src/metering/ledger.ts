import type { Store } from '../store/types.js';
import type { Clock } from '../util/clock.js';
import { lastDays, localDay } from '../util/local-day.js';
import { cycleStart, type CycleGrid } from './cycle.js';
import type { Reservation } from './reservation.js';
import type { ConsumptionLedger } from './types.js';

/** How many days of daily totals the store keeps (the pages draw 30; a year leaves room to look back). */
export const DAILY_TOTALS_KEPT = 400;

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
 * (charged since); `writePending` writes pending (the server does every second, so a crash loses
 * about that much), `flush` also re-reads base, so a reset done by another process (`pmproxy quota
 * reset` while the server runs) is seen after the next flush. Reservations (uploads in progress)
 * are held beside the counts, in memory only: a process that ends holds nothing. Everything is
 * synchronous, so no read-modify-write ever spans an await and concurrent flows never lose counts.
 */
export class Ledger implements ConsumptionLedger {
  readonly #accounts = new Map<string, Account>();
  /**
   * Manager → user → bytes reserved. Kept apart from the cycle's counts: a reservation made before
   * a reset or a reload is still held, and still given back, after it.
   */
  readonly #reservations = new Map<string, Map<string, number>>();
  /**
   * Manager → user → bytes charged since the last write, for the daily totals. Kept apart from the
   * accounts: a cycle that ends drops its pending count, but the bytes were still moved that day.
   * They land on the day of the write (at most a second later), so the hot path never asks the
   * calendar.
   */
  #dailyPending = new Map<string, Map<string, number>>();
  /** The day whose old rows were last purged. */
  #purgedOn = '';

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

  reserved(manager: string, user: string): number {
    return this.#reservations.get(manager)?.get(user) ?? 0;
  }

  reserve(manager: string, user: string, bytes: number, limit: number): Reservation | undefined {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new RangeError(`a reservation must be a non-negative integer of bytes, not ${bytes}`);
    }
    if (this.used(manager, user) + this.reserved(manager, user) + bytes > limit) return undefined;
    this.#hold(manager, user, bytes);
    let open = true;
    return {
      bytes,
      commit: () => {
        if (!open) return;
        open = false;
        this.#hold(manager, user, -bytes);
        this.#chargeNow(manager, user, bytes);
      },
      release: () => {
        if (!open) return;
        open = false;
        this.#hold(manager, user, -bytes);
      },
    };
  }

  add(manager: string, user: string, bytes: number): void {
    if (!(bytes > 0)) return;
    const account = this.#current(manager);
    account.pending.set(user, (account.pending.get(user) ?? 0) + bytes);
    this.#countDaily(manager, user, bytes);
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
   * The pending counts of every manager, only the accounts charged since the last write, in one
   * store transaction: either all are written or none, and a failed write keeps them pending for
   * the next one. No re-read: this runs every second, and costs what was charged, not the number
   * of accounts.
   */
  writePending(): void {
    const due: [string, Account][] = [];
    for (const entry of this.#accounts) {
      this.#roll(entry[1]);
      if (entry[1].pending.size > 0) due.push(entry);
    }
    if (due.length === 0 && this.#dailyPending.size === 0) return;
    const daily = this.#dailyPending;
    const now = this.clock.now();
    const day = localDay(now);
    // One transaction for both: a failed write leaves both pending, and the retry adds them once.
    const totals = this.store.atomically(() => {
      for (const [manager, users] of daily) this.store.daily.add(manager, day, users);
      if (this.#purgedOn !== day) this.store.daily.purgeBefore(lastDays(now, DAILY_TOTALS_KEPT)[0] ?? day);
      return due.map(([manager, account]) =>
        this.store.addConsumption(manager, account.start, account.pending),
      );
    });
    this.#dailyPending = new Map();
    this.#purgedOn = day;
    due.forEach(([, account], i) => {
      // Written: from here on these bytes are in the store, never pending again.
      account.pending = new Map();
      for (const [user, total] of totals[i] ?? []) account.base.set(user, total);
    });
  }

  /**
   * writePending, then a re-read of every manager's totals. A failed write keeps the pending counts
   * for the next flush and is thrown after the re-reads, so the caller can log it.
   */
  flush(): void {
    const failures: unknown[] = [];
    try {
      this.writePending();
    } catch (err) {
      failures.push(err);
    }
    for (const [manager, account] of this.#accounts) {
      try {
        // Bytes whose write failed stay pending, counted on top of the store's totals.
        account.base = this.store.consumption(manager, account.start);
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, 'flushing consumption failed');
  }

  /** An account's reserved bytes, changed by `delta`; an account at 0 is forgotten. */
  #hold(manager: string, user: string, delta: number): void {
    let users = this.#reservations.get(manager);
    if (users === undefined) {
      users = new Map<string, number>();
      this.#reservations.set(manager, users);
    }
    const held = Math.max(0, (users.get(user) ?? 0) + delta);
    if (held === 0) users.delete(user);
    else users.set(user, held);
  }

  /** Charges `bytes` straight to the store (joining an open transaction), then to memory. */
  #chargeNow(manager: string, user: string, bytes: number): void {
    const account = this.#current(manager);
    const totals = this.store.addConsumption(manager, account.start, new Map([[user, bytes]]));
    const total = totals.get(user);
    if (total !== undefined) account.base.set(user, total);
    this.#countDaily(manager, user, bytes);
  }

  #countDaily(manager: string, user: string, bytes: number): void {
    let users = this.#dailyPending.get(manager);
    if (users === undefined) {
      users = new Map<string, number>();
      this.#dailyPending.set(manager, users);
    }
    users.set(user, (users.get(user) ?? 0) + bytes);
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
