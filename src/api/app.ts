import Router from '@koa/router';
import type Koa from 'koa';
import compose from 'koa-compose';
import { fileRoutes, type FileRouteDeps } from '../files/routes.js';
import type { Logger } from '../util/logger.js';
import { jsonBodies } from './body.js';
import { compatRoutes } from './compat/cmd-route.js';
import type { ApiDeps } from './deps.js';
import { authenticate } from './caller.js';
import { ApiError, apiErrors } from './errors.js';
import { requireRule } from './guards.js';
import { adminRoutes } from './routes/admin-routes.js';
import { historyRoutes } from './routes/history-routes.js';
import { adminUsageRoutes } from './routes/admin-usage-routes.js';
import { groupQuotaRoutes } from './routes/group-quota-routes.js';
import { connectionRoutes } from './routes/connection-routes.js';
import { discoverRoutes } from './routes/discover-routes.js';
import { fileAdminRoutes } from './routes/file-admin-routes.js';
import { loginRoutes } from './routes/login-routes.js';
import { pacRoute } from './routes/pac-route.js';
import { metricsRoute } from './routes/metrics-route.js';
import { sessionRoutes } from './routes/session-routes.js';
import { statusRoutes } from './routes/status-routes.js';
import { userRoutes } from './routes/user-routes.js';

/** The file routes' view of the running gateway; the same on the HTTPS and the plain listener. */
export function fileRouteDeps(deps: ApiDeps, log: Logger): FileRouteDeps {
  return {
    files: () => deps.config().server.files,
    policy: () => deps.policy(),
    now: () => deps.services.clock.now(),
    records: deps.services.store.files,
    loggedInUser: async (ctx) => {
      try {
        return { ok: true, user: (await authenticate(ctx, deps)).claims.user };
      } catch (err) {
        if (err instanceof ApiError) return { ok: false, status: err.status, message: err.message };
        throw err;
      }
    },
    log,
    ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }),
  };
}

/** Clean paths of the web pages in `web/`: /login serves web/login.html. */
const PAGES = new Set(['/login', '/status', '/admin']);

/**
 * Mounts the API on the HTTPS server's koa app: JSON routes under /api (each call judged by the
 * `api` rule first), the PAC file, and clean paths for the pages the static handler serves.
 */
export function mountApi(app: Koa, deps: ApiDeps, log: Logger): void {
  const { metrics } = deps;
  if (metrics !== undefined) {
    app.use(async (ctx, next) => {
      try {
        await next();
      } finally {
        metrics.apiResponse(ctx.status);
      }
    });
  }
  app.use(fileRoutes(fileRouteDeps(deps, log)));
  app.use(async (ctx, next) => {
    // The pages load only their own scripts and styles; nothing may frame them.
    ctx.set('Content-Security-Policy', "default-src 'self'; frame-ancestors 'none'; base-uri 'none'");
    if (ctx.method === 'GET' && PAGES.has(ctx.path)) ctx.path = `${ctx.path}.html`;
    await next();
  });

  const api = new Router();
  sessionRoutes(api, deps);
  discoverRoutes(api, deps);
  statusRoutes(api, deps);
  adminRoutes(api, deps);
  adminUsageRoutes(api, deps);
  historyRoutes(api, deps);
  groupQuotaRoutes(api, deps);
  connectionRoutes(api, deps);
  loginRoutes(api, deps);
  fileAdminRoutes(api, deps);
  userRoutes(api, deps);
  compatRoutes(api, deps);
  const judged = async (ctx: Koa.Context, next: Koa.Next): Promise<void> => {
    await requireRule(ctx, deps, 'api');
    await next();
  };
  const apiChain = compose([
    apiErrors(log),
    ...jsonBodies(),
    judged,
    api.routes(),
    api.allowedMethods({ throw: true }),
  ]);
  const endOfApi = (): Promise<void> => Promise.resolve();
  app.use(async (ctx, next) => {
    if (ctx.path !== '/api' && !ctx.path.startsWith('/api/')) {
      await next();
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    // Nothing under /api falls through to the static files: an unknown route is a JSON 404.
    // The router adds its own fields (params, router) to the context as it runs.
    await apiChain(ctx as Parameters<typeof apiChain>[0], endOfApi);
  });

  const plain = new Router();
  pacRoute(plain, deps);
  metricsRoute(plain, deps);
  app.use(plain.routes());
}
