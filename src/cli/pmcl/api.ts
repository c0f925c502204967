import type { Context } from './context.js';
import { ApiError, Failure } from './failure.js';
import { errorOf } from './error-answer.js';
import { exchange } from './http-exchange.js';
import type { Server } from './server-url.js';
import type { Session } from './state.js';
import { openTrusted } from './trust.js';
import { asLoginAnswer } from './answers.js';

export interface CallOptions {
  readonly body?: unknown;
  readonly token?: string;
}

/** One API call on a freshly checked connection; error answers become ApiError. */
export async function call(
  ctx: Context,
  server: Server,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<unknown> {
  const socket = await openTrusted(ctx, server);
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers['Authorization'] = `Bearer ${options.token}`;
  const answer = await exchange(
    socket,
    server,
    method,
    path,
    headers,
    options.body === undefined ? undefined : JSON.stringify(options.body),
  );
  const parsed = parseJson(answer.body);
  if (answer.status >= 200 && answer.status < 300) {
    if (answer.status === 204 || answer.body === '') return undefined;
    if (parsed === undefined) throw new Failure(`${method} ${path}: the server's answer is not JSON`);
    return parsed;
  }
  const error = errorOf(parsed);
  if (error === undefined) {
    throw new ApiError(answer.status, `http_${answer.status}`, `${method} ${path}: HTTP ${answer.status}`);
  }
  const retryAfter = answer.headers['retry-after'];
  const wait =
    typeof retryAfter === 'string' && !error.message.includes(retryAfter)
      ? ` (retry in ${retryAfter} s)`
      : '';
  throw new ApiError(answer.status, error.code, `${error.message}${wait}`);
}

/** Answers that mean the session is gone for good: the local copy is dropped. */
const SESSION_GONE = new Set(['session_closed', 'bad_token', 'no_token']);

/**
 * A call with the session's token. An expired token is renewed once (the session may still be open)
 * and the call retried; a session the server no longer knows is forgotten locally.
 */
export async function callAsUser(
  ctx: Context,
  method: string,
  path: string,
  options: Omit<CallOptions, 'token'> = {},
): Promise<unknown> {
  const server = ctx.server();
  const session = ctx.session(server);
  try {
    try {
      return await call(ctx, server, method, path, { ...options, token: session.token });
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 'expired_token') throw err;
      const renewed = await renew(ctx, server, session);
      return await call(ctx, server, method, path, { ...options, token: renewed.token });
    }
  } catch (err) {
    if (err instanceof ApiError && SESSION_GONE.has(err.code)) {
      forgetSession(ctx);
      const said = err.message.replace(/[;,.]?\s*log in again\.?$/u, '');
      throw new Failure(`${said}; log in again: pmcl login ${server.base} USER`);
    }
    throw err;
  }
}

async function renew(ctx: Context, server: Server, session: Session): Promise<Session> {
  const answer = asLoginAnswer(await call(ctx, server, 'POST', '/api/renew', { token: session.token }));
  const renewed: Session = { ...session, token: answer.token, expires: answer.expires };
  ctx.update((state) => ({ ...state, session: renewed }));
  return renewed;
}

export function forgetSession(ctx: Context): void {
  if (ctx.state.session === undefined) return;
  ctx.update(({ session: _gone, ...rest }) => rest);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
