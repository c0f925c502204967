import { closeSync, openSync, readSync, statSync } from 'node:fs';

/**
 * What pmproxy's event log (its stderr, in bench/out/logs/) said over a stretch of a section: the
 * lines written between two marks, access lines left out, counted by message, so a table can show
 * what an operator reading the log during a fault would have read.
 */

export interface LogMark {
  readonly path: string;
  readonly offset: number;
  /** Date.now() when the mark was made: the log's own clock. */
  readonly at: number;
}

export function markLog(path: string | undefined): LogMark | undefined {
  if (path === undefined) return undefined;
  return { path, offset: statSync(path).size, at: Date.now() };
}

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly count: number;
  /** Seconds from the mark to the first such line (when the line has a time). */
  readonly firstAfterSeconds?: number;
}

const LEVELS: Record<number, string> = { 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
/** Enough of an error's text to tell the faults apart, not a whole stack. */
const ERR_CHARS = 90;

/** The lines from `from` to the log's end now (or `to`), grouped by level and message. */
export function eventsSince(from: LogMark | undefined, to?: LogMark): LogLine[] {
  if (from === undefined) return [];
  const end = to?.offset ?? statSync(from.path).size;
  const buffer = Buffer.alloc(Math.max(0, end - from.offset));
  const fd = openSync(from.path, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, from.offset);
  } finally {
    closeSync(fd);
  }
  const counts = new Map<string, LogLine>();
  for (const text of buffer.toString('utf8').split('\n')) {
    if (text.trim() === '') continue;
    const parsed = parseLine(text);
    if (parsed === undefined) continue;
    const { time, ...line } = parsed;
    const key = `${line.level} ${line.message}`;
    const seen = counts.get(key);
    const first = seen?.firstAfterSeconds ?? (time === undefined ? undefined : (time - from.at) / 1000);
    counts.set(key, {
      ...line,
      count: (seen?.count ?? 0) + 1,
      ...(first === undefined ? {} : { firstAfterSeconds: first }),
    });
  }
  return [...counts.values()];
}

interface Parsed {
  readonly level: string;
  readonly message: string;
  readonly time?: number;
}

function parseLine(text: string): Parsed | undefined {
  if (!text.startsWith('{')) return { level: 'stderr', message: text.slice(0, 160) };
  let entry: unknown;
  try {
    entry = JSON.parse(text);
  } catch {
    return { level: 'stderr', message: text.slice(0, 160) };
  }
  if (typeof entry !== 'object' || entry === null) return undefined;
  const fields = entry as Record<string, unknown>;
  if (fields.kind === 'access') return undefined;
  const level = typeof fields.level === 'number' ? (LEVELS[fields.level] ?? String(fields.level)) : '?';
  const err = typeof fields.err === 'string' ? `: ${fields.err.slice(0, ERR_CHARS)}` : '';
  const message = `${String(fields.msg)}${err}`;
  return typeof fields.time === 'number' ? { level, message, time: fields.time } : { level, message };
}

/** "+0.4 s 3× error writing consumption failed; will retry: SqliteError: …", one a line. */
export function describeEvents(lines: readonly LogLine[], indent = '  '): string[] {
  if (lines.length === 0) return [`${indent}(nothing but access lines)`];
  return lines.map((line) => {
    const first =
      line.firstAfterSeconds === undefined
        ? ''
        : `first at ${line.firstAfterSeconds >= 0 ? '+' : ''}${line.firstAfterSeconds.toFixed(1)} s: `;
    return `${indent}${first}${line.count}× ${line.level} ${line.message}`;
  });
}
