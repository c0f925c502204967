import type { Reservation } from './reservation.js';

/**
 * Consumption counted in memory on the hot path and written to the store every second
 * (`writePending`), fully synced on an interval and at shutdown (`flush`). A quota manager registers
 * its reset cycle; the cycle start is derived from the clock on a fixed grid, so a reset happens on
 * time, not at the next flush.
 */
export interface ConsumptionLedger {
  register(manager: string, cycle: { lengthMs: number; anchor: Date }): void;
  /** Bytes used by `user` in the manager's current cycle. */
  used(manager: string, user: string): number;
  /** Bytes held for `user` by reservations not yet committed or released. */
  reserved(manager: string, user: string): number;
  add(manager: string, user: string, bytes: number): void;
  /**
   * Reserves `bytes` when used + reserved + bytes ≤ `limit`, in one step; undefined when they do
   * not fit. Committing writes the charge to the store at once (see Reservation).
   */
  reserve(manager: string, user: string, bytes: number, limit: number): Reservation | undefined;
  set(manager: string, user: string, bytes: number): void;
  /** Start of the current cycle and of the next one, for status pages. */
  cycle(manager: string): { start: Date; next: Date };
  /** Writes the deltas charged since the last write, all managers in one store transaction. */
  writePending(): void;
  /** writePending, then picks up changes other processes made (admin CLI). */
  flush(): void;
}

/** Token buckets shared by all connections of one user under one bandwidth manager. */
export interface BandwidthPool {
  /** Takes bytes from the bucket; returns ms to wait before more may pass. */
  take(manager: string, user: string, bytesPerSecond: number, bytes: number): number;
}
