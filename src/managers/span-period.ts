import type { TomlValue } from '../config/table-reader.js';
import { formatDuration } from '../util/duration.js';

/**
 * pmproxy's time span (lamg/rtimespan): from `start`, `active` out of every `total`, for `times`
 * periods or forever (`infinite`); `allTime` matches always.
 */
export interface SpanPeriod {
  readonly allTime: boolean;
  /** ms since the epoch. */
  readonly start: number;
  /** ms. */
  readonly active: number;
  /** ms, > 0. */
  readonly total: number;
  readonly times: number;
  readonly infinite: boolean;
}

/** t matches iff allTime, or t ≥ start, (t − start) mod total < active, and the period is < times or infinite. */
export function spanMatch(span: SpanPeriod, at: Date): { match: boolean; reason: string } {
  if (span.allTime) return { match: true, reason: 'all the time' };
  const t = at.getTime();
  const since = new Date(span.start).toISOString();
  if (t < span.start) return { match: false, reason: `before the span starting ${since}` };
  const elapsed = t - span.start;
  const period = Math.floor(elapsed / span.total);
  if (!span.infinite && period >= span.times) {
    return { match: false, reason: `after the last of ${span.times} period(s) from ${since}` };
  }
  const what = `${formatDuration(span.active)} of every ${formatDuration(span.total)} from ${since}`;
  return elapsed % span.total < span.active
    ? { match: true, reason: `within ${what}` }
    : { match: false, reason: `outside ${what}` };
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/u;

/**
 * A span's start: an RFC 3339 string ("2006-01-02T15:04:05-04:00", as Go's TOML took it) or a TOML
 * offset date-time. A time without an offset is refused: which zone it meant is a guess.
 * Returns ms since the epoch, or what is wrong.
 */
export function parseStart(value: TomlValue): number | { error: string } {
  const example = 'such as "2006-01-02T15:04:05-04:00"';
  if (value instanceof Date) {
    if (isLocalTomlDate(value)) return { error: `needs a date, a time and a UTC offset, ${example}` };
    return value.getTime();
  }
  if (typeof value !== 'string') return { error: `must be an RFC 3339 date-time ${example}` };
  const m = RFC3339.exec(value.trim());
  if (m === null) return { error: `${JSON.stringify(value)} is not an RFC 3339 date-time ${example}` };
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = Number(m[7] ?? '0');
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59)
    return { error: `${JSON.stringify(value)} is not a valid date-time` };
  const offsetMinutes =
    m[8] !== undefined ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  if (Math.abs(offsetMinutes) >= 24 * 60) return { error: `${JSON.stringify(value)} has a bad UTC offset` };
  const utc = Date.UTC(year, month - 1, day, hour, minute, second) + Math.round(fraction * 1000);
  return utc - offsetMinutes * 60_000;
}

/** smol-toml marks date-times without an offset (and bare dates or times) as local. */
function isLocalTomlDate(value: Date): boolean {
  const local = (value as Date & { isLocal?: () => boolean }).isLocal;
  return typeof local === 'function' && local.call(value);
}
