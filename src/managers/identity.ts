import { credentialCacheFor, type CredentialCheck } from '../auth/credential-cache.js';
import type { RequestContext, Services } from './types.js';

/**
 * Who this request is, for user DB `db`: the user a reached sessionIPM or proxyAuth recorded; else,
 * when it carries Proxy-Authorization, the user those credentials are valid for in that DB (from the
 * verification cache, or verified now: the only async case), or nobody when they are wrong; else the
 * user of a live session at the client address through that DB. Credentials always win over the
 * address's session, as sessionIPM lets them.
 * The answer is recorded in ctx.users, so every later manager of this request agrees on it.
 */
export function userOf(
  ctx: RequestContext,
  db: string,
  services: Services,
): string | undefined | Promise<string | undefined> {
  const known = ctx.users.get(db);
  if (known !== undefined) return known;
  if (ctx.proxyAuthorization === undefined) {
    const sessionUser = services.sessions.userAt(ctx.clientIp, db);
    if (sessionUser !== undefined) ctx.users.set(db, sessionUser);
    return sessionUser;
  }
  const userDB = services.users.get(db);
  if (userDB === undefined) return undefined;
  const checked = credentialCacheFor(userDB, services).check(
    ctx.proxyAuthorization,
    ctx.clientIp,
    services.clock,
  );
  return checked instanceof Promise ? checked.then((c) => record(ctx, db, c)) : record(ctx, db, checked);
}

function record(ctx: RequestContext, db: string, check: CredentialCheck): string | undefined {
  if (!check.ok) return undefined;
  // Another manager may have settled it while the password was being verified.
  const settled = ctx.users.get(db);
  if (settled !== undefined) return settled;
  ctx.users.set(db, check.user);
  return check.user;
}
