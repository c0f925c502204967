import type Router from '@koa/router';
import { authenticate, callerIp } from '../caller.js';
import { fields, stringField } from '../body.js';
import type { ApiDeps } from '../deps.js';
import {
  clearLoginCookies,
  closeSession,
  logIn,
  renewToken,
  sessionManager,
  setLoginCookies,
} from '../login.js';

/** POST /api/login, /api/logout, /api/renew. */
export function sessionRoutes(router: Router, deps: ApiDeps): void {
  router.post('/api/login', async (ctx) => {
    const body = fields(ctx);
    const user = stringField(body, 'user', true);
    const pass = stringField(body, 'pass', true);
    const manager = sessionManager(deps, stringField(body, 'manager'));
    const ip = callerIp(ctx);
    const issued = await logIn(deps, manager, ip, user, pass);
    setLoginCookies(ctx, issued.token, issued.csrf, issued.expires);
    deps.services.log.info('login', { user, manager: manager.name, ip });
    ctx.body = issued.answer;
  });

  router.post('/api/logout', async (ctx) => {
    const caller = await authenticate(ctx, deps, { allowExpired: true });
    closeSession(deps, caller);
    clearLoginCookies(ctx);
    deps.services.log.info('logout', { user: caller.claims.user, ip: caller.ip });
    ctx.status = 204;
  });

  router.post('/api/renew', async (ctx) => {
    const caller = await authenticate(ctx, deps, { allowExpired: true });
    const issued = await renewToken(deps, caller);
    setLoginCookies(ctx, issued.token, issued.csrf, issued.expires);
    ctx.body = issued.answer;
  });
}
