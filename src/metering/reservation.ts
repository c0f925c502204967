import type { Meter } from '../managers/types.js';

/**
 * Room held in a quota for something whose size is known before it is delivered (an upload's
 * Content-Length). While held it counts against the quota as if used, so parallel requests racing
 * one limit cannot all pass: whoever reserves second sees the first one's bytes. The holder ends it
 * exactly one way: `commit` once the thing is delivered or stored, `release` in every other case.
 */
export interface Reservation {
  readonly bytes: number;
  /**
   * Turns the held room into a charge, written to the store at once; inside an open store
   * transaction it joins it, so the charge commits or rolls back with what it pays for. Throws
   * when the write fails, and the room is given back. Does nothing once committed or released.
   */
  commit(): void;
  /** Gives the room back. Idempotent, and does nothing after `commit`: call it in a `finally`. */
  release(): void;
}

/** What a quota answers when the room asked for is not there, in the words of its verdicts. */
export interface ReservationRefused {
  readonly refused: string;
}

export type ReserveOutcome =
  | { readonly ok: true; readonly reservation: Reservation }
  | { readonly ok: false; readonly manager: string; readonly reason: string };

/**
 * Reserves `bytes` in every meter at once, or in none: if one refuses, what the others reserved is
 * released before this returns. Synchronous, so no other request's reservation can come between
 * the check and the reservation. A meter that cannot reserve (one with nothing to overrun, such as
 * a test's in-memory meter) is charged when the whole reservation is committed.
 */
export function reserveAll(meters: readonly Meter[], bytes: number): ReserveOutcome {
  const held: Reservation[] = [];
  for (const meter of meters) {
    const outcome = meter.reserve?.(bytes) ?? chargedOnCommit(meter, bytes);
    if ('refused' in outcome) {
      for (const r of held) r.release();
      return { ok: false, manager: meter.manager, reason: outcome.refused };
    }
    held.push(outcome);
  }
  return { ok: true, reservation: allOf(held, bytes) };
}

/** One reservation standing for several; a failed commit gives back what was not yet charged. */
function allOf(parts: readonly Reservation[], bytes: number): Reservation {
  let open = true;
  return {
    bytes,
    commit(): void {
      if (!open) return;
      open = false;
      try {
        for (const part of parts) part.commit();
      } finally {
        for (const part of parts) part.release();
      }
    },
    release(): void {
      if (!open) return;
      open = false;
      for (const part of parts) part.release();
    },
  };
}

function chargedOnCommit(meter: Meter, bytes: number): Reservation {
  let open = true;
  return {
    bytes,
    commit(): void {
      if (open) meter.charge(bytes);
      open = false;
    },
    release(): void {
      open = false;
    },
  };
}
