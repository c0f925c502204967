import type Router from '@koa/router';
import { mayScrape } from '../../metrics/metrics-access.js';
import { callerIp } from '../caller.js';
import type { ApiDeps } from '../deps.js';

/** GET /metrics in Prometheus' text format, for whom `[policy] metrics` allows (default: loopback). */
export function metricsRoute(router: Router, deps: ApiDeps): void {
  router.get('/metrics', async (ctx) => {
    const metrics = deps.metrics;
    if (metrics === undefined) {
      ctx.status = 404;
      return;
    }
    const access = await mayScrape(
      { config: () => deps.config(), policy: () => deps.policy(), now: () => deps.services.clock.now() },
      callerIp(ctx),
    );
    ctx.set('Cache-Control', 'no-store');
    if (!access.ok) {
      ctx.status = 403;
      ctx.type = 'text/plain';
      ctx.body = `${access.why}\n`;
      return;
    }
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
}
