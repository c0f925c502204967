import type { TableReader } from '../config/table-reader.js';
import { formatDuration } from '../util/duration.js';
import type { Manager, ManagerKind, RequestContext, Verdict } from './types.js';
import { parseStart, spanMatch, type SpanPeriod } from './span-period.js';
import {
  describeDays,
  isTimeZone,
  parseDays,
  parseTimeOfDay,
  systemTimeZone,
  WeeklyClock,
  clockText,
  type WeeklyWindow,
} from './weekly-window.js';

/**
 * `[[timeSpan]]`: the time of the request is inside a window. Either pmproxy's `span` table
 * (start, active, total, times, infinite, allTime) or the readable form: `days` ("mon-fri" or a
 * list), `from` and `to` ("HH:MM"; `to` before `from` spans midnight) and `zone` (IANA name,
 * default the system's).
 */
export type TimeSpanConfig =
  | { readonly name: string; readonly span: SpanPeriod }
  | { readonly name: string; readonly window: WeeklyWindow };

const READABLE_KEYS = ['days', 'from', 'to', 'zone'] as const;

export const timeSpan: ManagerKind<TimeSpanConfig> = {
  kind: 'timeSpan',

  parse(table: TableReader): TimeSpanConfig | undefined {
    const name = table.string('name', { required: true, nonEmpty: true });
    const readable = READABLE_KEYS.filter((key) => table.has(key));
    let config: { span: SpanPeriod } | { window: WeeklyWindow } | undefined;
    if (table.has('span') && readable.length > 0) {
      for (const key of ['span', ...READABLE_KEYS]) table.raw(key);
      table.issues.add(
        table.path,
        `give either span (pmproxy's form) or ${readable.join(', ')} (days and hours), not both`,
      );
    } else if (table.has('span')) {
      const span = readSpan(table);
      if (span !== undefined) config = { span };
    } else if (readable.length > 0) {
      const window = readWindow(table);
      if (window !== undefined) config = { window };
    } else {
      table.issues.add(
        table.path,
        "needs span = {start, active, total, times} (pmproxy's form) or days, from and to (such as " +
          'days = "mon-fri", from = "08:00", to = "17:00")',
      );
    }
    table.done();
    if (name === undefined || config === undefined) return undefined;
    return { name, ...config };
  },

  create(config: TimeSpanConfig): Manager {
    return new TimeSpan(config);
  },
};

function readSpan(table: TableReader): SpanPeriod | undefined {
  const span = table.table('span');
  if (span === undefined) return undefined;
  const errorsBefore = span.issues.list.length;
  const allTime = span.boolean('allTime') ?? false;
  const infinite = span.boolean('infinite') ?? false;
  // With allTime = true nothing else matters, but what is given must still be right.
  const required = !allTime;
  let start: number | undefined;
  const rawStart = span.raw('start');
  if (rawStart !== undefined) {
    const parsed = parseStart(rawStart);
    if (typeof parsed === 'number') start = parsed;
    else span.issues.add(span.keyPath('start'), parsed.error);
  } else if (required) {
    span.issues.add(span.keyPath('start'), 'is required, such as "2006-01-02T15:04:05-04:00"');
  }
  const active = span.duration('active', { required, positive: true });
  const total = span.duration('total', { required, positive: true });
  const times = span.integer('times', { min: 0 });
  span.done();
  if (active !== undefined && total !== undefined && active > total) {
    span.issues.add(
      span.keyPath('active'),
      `is longer than total (${formatDuration(active)} > ${formatDuration(total)})`,
    );
  }
  if (required && !infinite && !span.has('times')) {
    span.issues.add(span.keyPath('times'), 'is required: how many periods (or infinite = true)');
  } else if (required && !infinite && times === 0) {
    span.issues.add(
      span.keyPath('times'),
      'is 0, so the span never matches: give how many periods, or infinite = true',
    );
  }
  if (span.issues.list.length > errorsBefore) return undefined;
  return { allTime, start: start ?? 0, active: active ?? 0, total: total ?? 1, times: times ?? 0, infinite };
}

function readWindow(table: TableReader): WeeklyWindow | undefined {
  let ok = true;
  const fail = (path: string, message: string): undefined => {
    table.issues.add(path, message);
    ok = false;
    return undefined;
  };

  const days = new Set<number>();
  const single = typeof table.values['days'] === 'string';
  const entries = table.stringList('days', { allowSingle: true });
  if (table.has('days') && entries === undefined) ok = false;
  entries?.forEach((entry, i) => {
    const parsed = parseDays(entry);
    const path = single ? table.keyPath('days') : `${table.keyPath('days')}[${i}]`;
    if (Array.isArray(parsed)) parsed.forEach((d) => days.add(d));
    else fail(path, parsed.error);
  });
  if (entries !== undefined && entries.length === 0)
    fail(table.keyPath('days'), 'must name at least one day');

  const time = (key: 'from' | 'to'): number | undefined => {
    const text = table.string(key, { nonEmpty: true });
    if (text === undefined) {
      if (table.has(key)) ok = false;
      return undefined;
    }
    const parsed = parseTimeOfDay(text, key === 'to');
    return typeof parsed === 'number' ? parsed : fail(table.keyPath(key), parsed.error);
  };
  const from = time('from');
  const to = time('to');
  if (table.has('from') !== table.has('to')) {
    const missing = table.has('from') ? 'to' : 'from';
    fail(table.keyPath(missing), `is required with ${missing === 'to' ? 'from' : 'to'}`);
  }
  if (from !== undefined && to !== undefined && from === to) {
    fail(table.keyPath('to'), 'equals from: leave both out for the whole day');
  }

  if (!table.has('days') && !table.has('from') && !table.has('to')) {
    fail(table.path, 'zone alone matches all the time: give days, or from and to, as well');
  }
  const zone = table.string('zone', { nonEmpty: true }) ?? systemTimeZone();
  if (table.has('zone') && !isTimeZone(zone)) {
    fail(
      table.keyPath('zone'),
      `${JSON.stringify(zone)} is not a time zone (IANA names such as "America/Havana" or "UTC")`,
    );
  }
  if (!ok) return undefined;
  const window = { days: days.size === 0 ? [0, 1, 2, 3, 4, 5, 6] : [...days].sort((a, b) => a - b), zone };
  return from !== undefined && to !== undefined ? { ...window, from, to } : window;
}

class TimeSpan implements Manager {
  readonly kind = 'timeSpan';
  readonly name: string;
  readonly #check: (at: Date) => Verdict;

  constructor(readonly config: TimeSpanConfig) {
    this.name = config.name;
    if ('span' in config) {
      const span = config.span;
      this.#check = (at) => spanMatch(span, at);
    } else {
      const clock = new WeeklyClock(config.window);
      this.#check = (at) =>
        clock.contains(at)
          ? { match: true, reason: `within ${clock.description}` }
          : { match: false, reason: `outside ${clock.description}` };
    }
  }

  test(ctx: RequestContext): Verdict {
    return this.#check(ctx.at);
  }

  settings(): Record<string, unknown> {
    if ('span' in this.config) {
      const s = this.config.span;
      return {
        name: this.name,
        span: s.allTime
          ? { allTime: true }
          : {
              start: new Date(s.start).toISOString(),
              active: formatDuration(s.active),
              total: formatDuration(s.total),
              times: s.times,
              infinite: s.infinite,
              allTime: false,
            },
      };
    }
    const w = this.config.window;
    return {
      name: this.name,
      days: describeDays(w.days),
      ...(w.from === undefined || w.to === undefined ? {} : { from: clockText(w.from), to: clockText(w.to) }),
      zone: w.zone,
    };
  }
}
