/**
 * Reset cycles on a fixed grid: cycle k covers [anchor + k·length, anchor + (k+1)·length). The start
 * of the current cycle is computed from the clock, so a reset happens exactly on time and never
 * drifts, whatever the process did in between (the Go original checked only when persisting).
 */

/** Monday 1970-01-05 00:00 UTC: "24h" resets at 00:00 UTC, "168h" on Mondays at 00:00 UTC. */
export const DEFAULT_CYCLE_ANCHOR: Date = new Date('1970-01-05T00:00:00Z');

export interface CycleGrid {
  readonly lengthMs: number;
  readonly anchor: Date;
}

function checkLength(lengthMs: number): void {
  if (!Number.isFinite(lengthMs) || lengthMs <= 0) {
    throw new RangeError(`a reset cycle must be longer than zero, not ${lengthMs} ms`);
  }
}

/** Start of the cycle containing `now`: anchor + floor((now − anchor) / length) · length. */
export function cycleStart(now: Date, lengthMs: number, anchor: Date = DEFAULT_CYCLE_ANCHOR): Date {
  checkLength(lengthMs);
  const a = anchor.getTime();
  const k = Math.floor((now.getTime() - a) / lengthMs);
  return new Date(a + k * lengthMs);
}

/** Start of the cycle after the one containing `now`. */
export function nextCycle(now: Date, lengthMs: number, anchor: Date = DEFAULT_CYCLE_ANCHOR): Date {
  return new Date(cycleStart(now, lengthMs, anchor).getTime() + lengthMs);
}

const ANCHOR_TEXT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?([Zz]|[+-]\d{2}:\d{2})?$/u;

/**
 * Reads a `resetAnchor` written as an RFC 3339 string. Without an offset ("2024-01-01T00:00:00",
 * "2024-01-01") it is the server's local time, so an admin can put resets at local midnight.
 */
export function parseAnchor(text: string): Date | { error: string } {
  const bad = {
    error: `"${text}" is not a date and time (RFC 3339: "2024-01-01T00:00:00Z", "2024-01-01T00:00:00-04:00", or local "2024-01-01")`,
  };
  const m = ANCHOR_TEXT.exec(text.trim());
  if (m === null) return bad;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', offset] = m;
  const ms = frac === '' ? 0 : Math.floor(Number(frac) * 1000);
  const fields = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms] as const;
  let date: Date;
  if (offset === undefined) {
    date = new Date(...fields);
  } else {
    date = new Date(Date.UTC(...fields));
    if (offset !== 'Z' && offset !== 'z') {
      const sign = offset.startsWith('-') ? -1 : 1;
      const oh = Number(offset.slice(1, 3));
      const om = Number(offset.slice(4, 6));
      date = new Date(date.getTime() - sign * (oh * 60 + om) * 60_000);
    }
  }
  // Reject calendar overflow such as 2024-02-31, which Date would silently roll into March.
  const check = offset === undefined ? localFields(date) : utcFields(new Date(Date.UTC(...fields)));
  if (check.join() !== fields.slice(0, 6).join()) return bad;
  return date;
}

function localFields(d: Date): number[] {
  return [d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
}

function utcFields(d: Date): number[] {
  return [
    d.getUTCFullYear(),
    d.getUTCMonth(),
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
  ];
}

/** A TOML datetime as smol-toml gives it; a local one (no offset) is taken in the server's time zone. */
export function anchorFromTomlDate(value: Date): Date | { error: string } {
  const toml = value as Date & { isLocal?: () => boolean; isTime?: () => boolean };
  if (Number.isNaN(value.getTime()) || toml.isTime?.() === true) {
    return { error: 'must be a date or a date and time, not a time of day alone' };
  }
  if (toml.isLocal?.() !== true) return new Date(value.getTime());
  // smol-toml stores a local date-time with its fields in UTC; rebuild it in local time.
  return new Date(
    value.getUTCFullYear(),
    value.getUTCMonth(),
    value.getUTCDate(),
    value.getUTCHours(),
    value.getUTCMinutes(),
    value.getUTCSeconds(),
    value.getUTCMilliseconds(),
  );
}
