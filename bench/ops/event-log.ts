import { closeSync, openSync, readSync, statSync } from 'node:fs';

/**
 * What pmproxy's event log (its stderr, in bench/out/logs/) said over a stretch of a section: the
 * lines written between two marks, access lines left out, counted by message, so a table can show
 * what an operator reading the log during a fault would have read.
 */

export interface LogMark {
  readonly path: string;
  readonly offset: number;
}

export function markLog(path: string | undefined): LogMark | undefined {
  if (path === undefined) return undefined;
  return { path, offset: statSync(path).size };
}

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly count: number;
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
    const line = parseLine(text);
    if (line === undefined) continue;
    const key = `${line.level} ${line.message}`;
    const seen = counts.get(key);
    counts.set(key, { ...line, count: (seen?.count ?? 0) + 1 });
  }
  return [...counts.values()];
}

function parseLine(text: string): Omit<LogLine, 'count'> | undefined {
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
  return { level, message: `${String(fields.msg)}${err}` };
}

/** "3× error writing consumption failed; will retry: SqliteError: …", one a line. */
export function describeEvents(lines: readonly LogLine[], indent = '  '): string[] {
  if (lines.length === 0) return [`${indent}(nothing but access lines)`];
  return lines.map((line) => `${indent}${line.count}× ${line.level} ${line.message}`);
}
