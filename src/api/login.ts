import type { Context } from 'koa';
import { checkPassword } from '../auth/password-check.js';
import type { ManagerWith } from '../managers/capabilities.js';

import type { SessionRecord } from '../store/types.js';
import { CSRF_COOKIE, TOKEN_COOKIE, type Caller } from './caller.js';
import type { ApiDeps } from './deps.js';
import { ApiError, notFound } from './errors.js';
import { managersInRuleOrder } from './managers-in-order.js';

/** A manager whose sessions logins open (sessionIPM). */
export type SessionManager = ManagerWith<'sessions'>;

/** A token's life when neither jwtExpiration nor the session's lifetime bounds it. */
const DEFAULT_TOKEN_LIFETIME_MS = 12 * 3600 * 1000;

export interface IssuedToken {
  readonly token: string;
  readonly answer: LoginAnswer;
  readonly csrf: string;
  readonly expires: Date;
}

export interface LoginAnswer {
  readonly token: string;
  readonly user: string;
  readonly manager: string;
  readonly expires: string;
}

/** The sessionIPM a login goes to: the one named, else the first the proxy rule names. */
export function sessionManager(deps: ApiDeps, name: string | undefined): SessionManager {
  const all = managersInRuleOrder(deps, 'sessions');
  if (name === undefined) {
    const first = all[0];
    if (first === undefined) throw notFound('the configuration has no sessionIPM manager to log in with');
    return first;
  }
  const found = all.find((m) => m.name === name);
  if (found === undefined) {
    const names = all.map((m) => m.name).join(', ') || 'none';
    throw notFound(`no sessionIPM named "${name}" (there is: ${names})`);
  }
  return found;
}

/**
 * Issues a token for an open session, valid until jwtExpiration passes or the session's lifetime
 * ends, whichever is first. Renewing never extends the session's lifetime: only a login does.
 */
export async function issueToken(
  deps: ApiDeps,
  manager: SessionManager,
  session: SessionRecord,
): Promise<IssuedToken> {
  const { ip, user } = session;
  const now = deps.services.clock.now().getTime();
  const lifetime = manager.lifetime;
  let expires = now + (deps.config().jwtExpiration ?? (lifetime > 0 ? lifetime : DEFAULT_TOKEN_LIFETIME_MS));
  if (lifetime > 0) expires = Math.min(expires, session.openedAt + lifetime);
  const signed = await deps.tokens.sign({ user, manager: manager.name, ip, expires: new Date(expires) });
  return {
    token: signed.token,
    csrf: deps.tokens.csrfFor(signed.claims),
    expires: signed.claims.expires,
    answer: {
      token: signed.token,
      user,
      manager: manager.name,
      expires: signed.claims.expires.toISOString(),
    },
  };
}

/** The web pages' cookies: the token HttpOnly, the CSRF value readable by the page's script. */
export function setLoginCookies(ctx: Context, token: string, csrf: string, expires: Date): void {
  const common = { secure: true, sameSite: 'strict', path: '/', expires, overwrite: true } as const;
  ctx.cookies.set(TOKEN_COOKIE, token, { ...common, httpOnly: true });
  ctx.cookies.set(CSRF_COOKIE, csrf, { ...common, httpOnly: false });
}

export function clearLoginCookies(ctx: Context): void {
  const gone = {
    secure: true,
    sameSite: 'strict',
    path: '/',
    expires: new Date(0),
    overwrite: true,
  } as const;
  ctx.cookies.set(TOKEN_COOKIE, '', { ...gone, httpOnly: true });
  ctx.cookies.set(CSRF_COOKIE, '', { ...gone, httpOnly: false });
}

/** Checks the password, opens a session for `user` at `ip` and issues its token. */
export async function logIn(
  deps: ApiDeps,
  manager: SessionManager,
  ip: string,
  user: string,
  pass: string,
): Promise<IssuedToken> {
  await verifyLogin(deps, manager, ip, user, pass);
  return issueToken(deps, manager, deps.services.sessions.open(manager.name, manager.auth, ip, user));
}

/** A fresh token for the logged-in caller's session (which renewing does not extend). */
export function renewToken(deps: ApiDeps, caller: Caller): Promise<IssuedToken> {
  return issueToken(deps, sessionManager(deps, caller.claims.manager), caller.session);
}

/**
 * Checks the password (argon2, as slow for unknown users) behind the gate, the attempt counted
 * against the user at this address and the address before the check runs.
 */
async function verifyLogin(
  deps: ApiDeps,
  manager: SessionManager,
  ip: string,
  user: string,
  pass: string,
): Promise<void> {
  const db = deps.users().get(manager.auth);
  if (db === undefined) throw new Error(`user database "${manager.auth}" is missing`);
  const outcome = await checkPassword(deps.passwords, db, { user, pass, ip, surface: 'api' });
  deps.metrics?.login(outcome.kind === 'right');
  switch (outcome.kind) {
    case 'right':
      return;
    case 'wrong':
      throw new ApiError(401, 'bad_credentials', 'wrong user or password');
    case 'locked':
      throw new ApiError(
        429,
        'too_many_attempts',
        outcome.message,
        {},
        { 'Retry-After': String(outcome.retryAfterSeconds) },
      );
    case 'busy':
      throw new ApiError(429, 'too_many_attempts', outcome.message, {}, { 'Retry-After': '1' });
  }
}

export function closeSession(deps: ApiDeps, caller: Caller): void {
  deps.services.sessions.close(caller.claims.manager, caller.ip);
}
