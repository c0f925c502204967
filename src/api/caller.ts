import type { Context } from 'koa';
import { normalizeClientIp } from '../proxy/request-target.js';
import type { ApiDeps } from './deps.js';
import { ApiError } from './errors.js';
import type { TokenClaims } from './tokens.js';
import type { SessionRecord } from '../store/types.js';

export const TOKEN_COOKIE = 'pmproxy_token';
export const CSRF_COOKIE = 'pmproxy_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** The caller's address as the proxy would see it: the TCP peer, never X-Forwarded-For. */
export function callerIp(ctx: Context): string {
  return normalizeClientIp(ctx.req.socket.remoteAddress);
}

export interface Caller {
  readonly claims: TokenClaims;
  readonly token: string;
  readonly ip: string;
  /** The open session the token belongs to. */
  readonly session: SessionRecord;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The logged-in caller: a token from `Authorization: Bearer` or, for the web pages, the HttpOnly
 * cookie (then a non-GET call must also carry the CSRF header). The token must be signed by us,
 * presented from the address it was issued to, and its session still open there. With
 * `allowExpired` (renew), an expired token is accepted as long as its session is open.
 */
export async function authenticate(
  ctx: Context,
  deps: ApiDeps,
  options: { allowExpired?: boolean } = {},
): Promise<Caller> {
  const header = ctx.get('authorization');
  let token: string | undefined;
  let fromCookie = false;
  if (header !== '') {
    const m = /^Bearer\s+(\S+)\s*$/iu.exec(header);
    if (m === null) throw new ApiError(401, 'no_token', 'send the token as "Authorization: Bearer <token>"');
    token = m[1];
  } else {
    token = ctx.cookies.get(TOKEN_COOKIE);
    fromCookie = token !== undefined;
  }
  if (token === undefined || token === '') throw new ApiError(401, 'no_token', 'log in first');
  const caller = await checkToken(deps, token, callerIp(ctx), options);
  const { claims } = caller;
  if (fromCookie && !SAFE_METHODS.has(ctx.method)) {
    const presented = ctx.get(CSRF_HEADER);
    if (presented === '' || !deps.tokens.csrfMatches(claims, presented)) {
      throw new ApiError(403, 'csrf', `the ${CSRF_HEADER} header is missing or wrong`);
    }
  }
  return caller;
}

/** A token presented from `ip`: signed by us, issued to `ip`, its session still open there. */
export async function checkToken(
  deps: ApiDeps,
  token: string,
  ip: string,
  options: { allowExpired?: boolean } = {},
): Promise<Caller> {
  const check = await deps.tokens.check(token);
  if (!check.ok) throw new ApiError(401, 'bad_token', check.reason);
  const { claims } = check;
  if (check.expired && options.allowExpired !== true) {
    throw new ApiError(401, 'expired_token', 'the token expired; renew it or log in again');
  }
  if (claims.ip !== ip) {
    throw new ApiError(401, 'bad_token', `the token was issued to ${claims.ip}, not to ${ip}`);
  }
  const session = deps.services.sessions.lookup(claims.manager, ip);
  if (session?.user !== claims.user) {
    throw new ApiError(401, 'session_closed', 'the session has ended; log in again');
  }
  return { claims, token, ip, session };
}
