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
