import { pino } from 'pino';
import type { Logger } from './logger.js';

/** Structured JSON lines on stderr (journald keeps them); the level comes from PMPROXY_LOG_LEVEL. */
export function createJsonLogger(level = process.env['PMPROXY_LOG_LEVEL'] ?? 'info'): Logger {
  const log = pino({ level, base: { app: 'pmproxy' } }, pino.destination({ fd: 2, sync: false }));
  return {
    info: (msg, fields) => log.info(fields ?? {}, msg),
    warn: (msg, fields) => log.warn(fields ?? {}, msg),
    error: (msg, fields) => log.error(fields ?? {}, msg),
  };
}
