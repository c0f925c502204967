import type Koa from 'koa';
import { answer } from './answer.js';
import { FILE_METHODS, setCors } from './cors.js';
import { putFile } from './put-route.js';
import type { FileRouteDeps } from './route-deps.js';

export type { FileRouteDeps };

/**
 * The file server's routes under `[files] prefix`. Only PUT exists so far; GET and HEAD fall
 * through (to a 404) until downloads are built.
 */
export function fileRoutes(deps: FileRouteDeps): Koa.Middleware {
  return async (ctx, next) => {
    const files = deps.files();
    // koa's ctx.path is the raw, still encoded path: what the prefix and the signature are about.
    if (files === undefined || !ctx.path.startsWith(files.prefix)) {
      await next();
      return;
    }
    setCors(ctx, files.cors);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    ctx.set('Cache-Control', 'no-store');
    switch (ctx.method) {
      case 'PUT':
        await putFile(ctx, files, deps);
        return;
      case 'OPTIONS':
        ctx.set('Allow', FILE_METHODS);
        ctx.status = 204;
        return;
      case 'GET':
      case 'HEAD':
        await next();
        return;
      default:
        ctx.set('Allow', FILE_METHODS);
        answer(ctx, 405, `${ctx.method} is not allowed here`);
    }
  };
}
