import { pino } from 'pino';
import type { Logger } from './logger.js';

/** Lines are gathered up to this many bytes before a write; a write per line costs a system call each. */
const BATCH_BYTES = 4096;
/** A line waits at most this long for others to join it. */
const BATCH_MS = 100;

/**
 * Structured JSON lines on stderr (journald keeps them); the level comes from PMPROXY_LOG_LEVEL.
 * Info lines (the access log: one per request) are written in batches, at most BATCH_MS late;
 * warnings and errors go out at once. What is still gathered is written when the process exits.
 */
export function createJsonLogger(level = process.env['PMPROXY_LOG_LEVEL'] ?? 'info'): Logger {
  const destination = pino.destination({ fd: 2, sync: false, minLength: BATCH_BYTES });
  const log = pino({ level, base: { app: 'pmproxy' } }, destination);
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
  return {
    info: (msg, fields) => {
      log.info(fields ?? {}, msg);
      flushSoon();
    },
    warn: (msg, fields) => {
      log.warn(fields ?? {}, msg);
      flushNow();
    },
    error: (msg, fields) => {
      log.error(fields ?? {}, msg);
      flushNow();
    },
  };
}
