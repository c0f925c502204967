import type { Logger } from '../util/logger.js';
import type { RateLimitedWarning } from '../util/rate-limited-warning.js';

/** Error codes that mean the client went away while being answered. */
const CLIENT_GONE = new Set([
  'ERR_STREAM_PREMATURE_CLOSE',
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_INVALID_STREAM',
  'ERR_STREAM_DESTROYED',
  // A download cut on purpose where a quota ran out (src/files/download-response.ts).
  'ERR_DOWNLOAD_LENGTH',
]);

/**
 * Whether an error koa reports for a request is nothing to log as a fault: a browser navigating
 * away drops its streams mid-answer, and a quota ends a download early by design.
 */
export function isExpectedRequestEnd(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CLIENT_GONE.has(code);
}

/**
 * What koa's 'error' event gets: a client gone is nothing; an error koa or a middleware answered
 * with a 4xx on purpose (a path that does not decode …) is the client's doing, so a rate-limited
 * warning (`refused`) and never a line per request; anything else is a fault of ours, an error.
 */
export function logKoaError(err: unknown, log: Logger, refused: RateLimitedWarning, message: string): void {
  if (isExpectedRequestEnd(err)) return;
  const { status, expose } = (typeof err === 'object' && err !== null ? err : {}) as {
    status?: unknown;
    expose?: unknown;
  };
  if (typeof status === 'number' && status >= 400 && status < 500 && expose !== false) {
    refused.note('client-error', { status, err: String(err) });
    return;
  }
  log.error(message, { err: String(err) });
}
