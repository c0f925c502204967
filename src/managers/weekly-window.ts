/**
 * The readable form of a timeSpan: days of the week and a time of day, in a time zone.
 * `to` before `from` spans midnight; the night then belongs to the day it starts on.
 */
export interface WeeklyWindow {
  /** 0 = Sunday … 6 = Saturday, ascending, distinct. */
  readonly days: readonly number[];
  /** Minutes after midnight, 0–1439; undefined with `to`: the whole day. */
  readonly from?: number;
  /** Minutes after midnight, 1–1440 (24:00). */
  readonly to?: number;
  /** IANA zone name, such as "America/Havana". */
  readonly zone: string;
}

const NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const FULL = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

function dayNumber(text: string): number | undefined {
  const word = text.trim().toLowerCase();
  const short = NAMES.indexOf(word as (typeof NAMES)[number]);
  if (short !== -1) return short;
  const full = FULL.indexOf(word);
  return full === -1 ? undefined : full;
}

/**
 * Days from entries such as "mon", "Friday", "mon-fri" (a range, which may wrap: "fri-mon") or
 * "mon,wed". Returns the days, or the first entry that is not one.
 */
export function parseDays(entry: string): number[] | { error: string } {
  const days = new Set<number>();
  for (const part of entry.split(',')) {
    const ends = part.split('-');
    const first = dayNumber(ends[0] ?? '');
    const last = ends.length === 2 ? dayNumber(ends[1] ?? '') : first;
    if (ends.length > 2 || first === undefined || last === undefined) {
      return {
        error: `${JSON.stringify(part.trim())} is not a day or a range of days (such as "mon" or "mon-fri")`,
      };
    }
    for (let d = first; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === last) break;
    }
  }
  return [...days].sort((a, b) => a - b);
}

/** "HH:MM" (24-hour) in minutes after midnight; `to` may be "24:00". */
export function parseTimeOfDay(text: string, allowEndOfDay: boolean): number | { error: string } {
  const m = /^(\d{1,2}):(\d{2})$/u.exec(text.trim());
  const minutes = m === null ? NaN : Number(m[1]) * 60 + Number(m[2]);
  const valid = m !== null && Number(m[2]) < 60 && (minutes < 1440 || (allowEndOfDay && minutes === 1440));
  if (!valid) return { error: `${JSON.stringify(text)} is not a time of day such as "08:00" or "17:30"` };
  return minutes;
}

/** Whether Intl knows the zone. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Matches instants against a window; built once per manager (Intl formatters are costly to make). */
export class WeeklyClock {
  readonly #format: Intl.DateTimeFormat;
  readonly #days: ReadonlySet<number>;
  readonly description: string;

  constructor(readonly window: WeeklyWindow) {
    this.#format = new Intl.DateTimeFormat('en-US', {
      timeZone: window.zone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    this.#days = new Set(window.days);
    this.description = describeWindow(window);
  }

  contains(at: Date): boolean {
    const { day, minutes } = this.#local(at);
    const { from, to } = this.window;
    if (from === undefined || to === undefined) return this.#days.has(day);
    if (from < to) return this.#days.has(day) && minutes >= from && minutes < to;
    // Over midnight: the evening of a listed day, or the early hours after one.
    return (this.#days.has(day) && minutes >= from) || (this.#days.has((day + 6) % 7) && minutes < to);
  }

  #local(at: Date): { day: number; minutes: number } {
    let day = 0;
    let minutes = 0;
    for (const part of this.#format.formatToParts(at)) {
      if (part.type === 'weekday') day = NAMES.indexOf(part.value.toLowerCase() as (typeof NAMES)[number]);
      else if (part.type === 'hour') minutes += Number(part.value) * 60;
      else if (part.type === 'minute') minutes += Number(part.value);
    }
    return { day, minutes };
  }
}

/** "mon-fri 08:00-17:00 America/Havana", "sat,sun America/Havana", "every day 22:00-06:00 UTC". */
export function describeWindow(window: WeeklyWindow): string {
  const hours =
    window.from === undefined || window.to === undefined
      ? ''
      : ` ${clockText(window.from)}-${clockText(window.to)}`;
  return `${describeDays(window.days)}${hours} ${window.zone}`;
}

/** Monday first, runs of three or more days as ranges: "mon-fri", "mon,wed,fri", "every day". */
export function describeDays(days: readonly number[]): string {
  if (days.length === 7) return 'every day';
  const order = [1, 2, 3, 4, 5, 6, 0].filter((d) => days.includes(d));
  const runs: number[][] = [];
  for (const d of order) {
    const run = runs.at(-1);
    const previous = run?.at(-1);
    if (run !== undefined && previous !== undefined && (previous + 1) % 7 === d && d !== 1) run.push(d);
    else runs.push([d]);
  }
  return runs
    .map((run) =>
      run.length >= 3
        ? `${NAMES[run[0] ?? 0]}-${NAMES[run.at(-1) ?? 0]}`
        : run.map((d) => NAMES[d]).join(','),
    )
    .join(',');
}

/** Minutes after midnight as "HH:MM". */
export function clockText(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
