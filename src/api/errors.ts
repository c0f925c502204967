import type { Context, Next } from 'koa';
import { storageFault } from '../store/storage-faults.js';
import type { Logger } from '../util/logger.js';

export type ErrorCode =
  | 'bad_request'
  | 'bad_credentials'
  | 'no_token'
  | 'bad_token'
  | 'expired_token'
  | 'session_closed'
  | 'forbidden'
  | 'not_admin'
  | 'csrf'
  | 'not_found'
  | 'no_file_server'
  | 'read_only'
  | 'method_not_allowed'
  | 'conflict'
  | 'too_large'
  | 'unsupported_media_type'
  | 'too_many_attempts'
  | 'store_busy'
  | 'disk_full'
  | 'internal';

/** An error a route answers with on purpose: its status, code and message reach the client. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    /** More fields for the error object (the managers that refused …). */
    readonly details: Record<string, unknown> = {},
    /** Response headers (Retry-After …). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string): ApiError => new ApiError(400, 'bad_request', message);
export const notFound = (message: string): ApiError => new ApiError(404, 'not_found', message);

/** Errors koa and its body parser throw, by status, with the code the API uses for them. */
const HTTP_ERRORS: Readonly<Record<number, { code: ErrorCode; message: string }>> = {
  400: { code: 'bad_request', message: 'the request body is not valid JSON' },
  405: { code: 'method_not_allowed', message: 'this route does not take that method' },
  413: { code: 'too_large', message: 'the request body is too large' },
  415: { code: 'unsupported_media_type', message: 'send the body as application/json' },
};

interface HttpishError {
  status?: unknown;
  expose?: unknown;
}

/**
 * Turns every error under /api into `{error: {code, message}}` with its status. Errors nobody meant
 * (bugs, a broken store) become a bare 500: the details go to the log, never to the client.
 */
export function apiErrors(log: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw notFound(`no route ${ctx.method} ${ctx.path}`);
    } catch (err) {
      const answer = toAnswer(err);
      if (answer.status >= 500) {
        log.error('API request failed', { method: ctx.method, path: ctx.path, err: String(err) });
      }
      ctx.status = answer.status;
      for (const [name, value] of Object.entries(answer.headers)) ctx.set(name, value);
      ctx.body = { error: { code: answer.code, message: answer.message, ...answer.details } };
    }
  };
}

function toAnswer(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const fault = storageFault(err);
  if (fault !== undefined)
    return new ApiError(fault.status, fault.code, fault.message, {}, { ...fault.headers });
  const e = (typeof err === 'object' && err !== null ? err : {}) as HttpishError;
  const status = typeof e.status === 'number' ? e.status : 500;
  const known = HTTP_ERRORS[status];
  if (known !== undefined && e.expose !== false) return new ApiError(status, known.code, known.message);
  return new ApiError(500, 'internal', 'internal error; the server log has the details');
}
