import { pino } from 'pino';
import { jsonLine, LEVEL_NUMBER, type LevelName } from './json-line.js';
import type { Logger } from './logger.js';
import { writeLine } from './write-line.js';

/** Lines are gathered up to this many bytes before a write; a write per line costs a system call each. */
const BATCH_BYTES = 16 * 1024;
/** The most one write takes from the gathered lines (sonic-boom wants it above BATCH_BYTES). */
const MAX_WRITE = 256 * 1024;
/** A line waits at most this long for others to join it. */
const BATCH_MS = 100;
const BASE = '"app":"pmproxy"';

function levelOf(name: string): number {
  const known = (LEVEL_NUMBER as Record<string, number | undefined>)[name];
  if (known !== undefined) return known;
  if (name === 'silent') return Infinity;
  return name === 'debug' || name === 'trace' ? 0 : LEVEL_NUMBER.info;
}

/**
 * Structured JSON lines on stderr (journald keeps them), in pino's shape; the level comes from
 * PMPROXY_LOG_LEVEL. Info lines (the access log: one per request) are written in batches, at most
 * BATCH_MS late; warnings and errors go out at once. pino's destination (sonic-boom) does the
 * writing and writes what is still gathered when the process exits; the lines are built by
 * `jsonLine`, because pino's general formatting cost more per request than the proxying did.
 */
export function createJsonLogger(
  level = process.env['PMPROXY_LOG_LEVEL'] ?? 'info',
): Logger & { setLevel(level: string): void } {
  // See writeLine.
  const destination = pino.destination({
    fd: 2,
    sync: false,
    minLength: BATCH_BYTES,
    maxWrite: MAX_WRITE,
    contentMode: 'buffer',
  });
  let threshold = levelOf(level);
  let flushTimer: NodeJS.Timeout | undefined;
  const flushNow = (): void => {
    if (flushTimer !== undefined) clearTimeout(flushTimer);
    flushTimer = undefined;
    try {
      destination.flush();
    } catch {
      // Destroyed at exit, after its last lines were written synchronously: nothing left to send.
    }
  };
  const flushSoon = (): void => {
    flushTimer ??= setTimeout(flushNow, BATCH_MS).unref();
  };
  const write = (name: LevelName, msg: string, fields: Record<string, unknown> | undefined): boolean => {
    if (LEVEL_NUMBER[name] < threshold) return false;
    writeLine(destination, jsonLine(name, Date.now(), BASE, msg, fields));
    return true;
  };
  return {
    setLevel: (name) => {
      threshold = levelOf(name);
    },
    info: (msg, fields) => {
      if (write('info', msg, fields)) flushSoon();
    },
    warn: (msg, fields) => {
      if (write('warn', msg, fields)) flushNow();
    },
    error: (msg, fields) => {
      if (write('error', msg, fields)) flushNow();
    },
  };
}
