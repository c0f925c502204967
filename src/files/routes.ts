import type Koa from 'koa';
import { storageFault } from '../store/storage-faults.js';
import { answer } from './answer.js';
import { FILE_METHODS, setCors } from './cors.js';
import { getFile } from './get-route.js';
import { putFile } from './put-route.js';
import type { FileRouteDeps } from './route-deps.js';

export type { FileRouteDeps };

/**
 * The file server's routes under `[files] prefix`: PUT uploads (signed slots, or a user's own
 * folder), GET and HEAD downloads, OPTIONS for CORS preflights; 405 with Allow for the rest.
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
    // Downloads may be cached but are checked each time (the rule may depend on who asks); a 304
    // against the sha256 ETag is cheap. Nothing else is worth keeping.
    ctx.set(
      'Cache-Control',
      ctx.method === 'GET' || ctx.method === 'HEAD' ? 'private, no-cache' : 'no-store',
    );
    switch (ctx.method) {
      case 'PUT':
        await answeringStorageFaults(ctx, deps, () => putFile(ctx, files, deps));
        deps.metrics?.upload(
          ctx.status,
          ctx.status === 201 || ctx.status === 204 ? uploadSize(ctx) : undefined,
        );
        return;
      case 'OPTIONS':
        ctx.set('Allow', FILE_METHODS);
        ctx.status = 204;
        return;
      case 'GET':
      case 'HEAD':
        await answeringStorageFaults(ctx, deps, () => getFile(ctx, files, deps));
        if (ctx.method === 'GET') deps.metrics?.download(ctx.status, ctx.response.length ?? 0);
        return;
      default:
        ctx.set('Allow', FILE_METHODS);
        answer(ctx, 405, `${ctx.method} is not allowed here`);
    }
  };
}

/**
 * Runs a route, answering a full disk with 507 and a store another process holds with 503 (see
 * storage-faults.ts), logged; anything else goes on to koa's 500.
 */
async function answeringStorageFaults(
  ctx: Koa.Context,
  deps: FileRouteDeps,
  route: () => Promise<void>,
): Promise<void> {
  try {
    await route();
  } catch (err) {
    const fault = storageFault(err);
    if (fault === undefined || ctx.headerSent) throw err;
    deps.log.error(`${ctx.method} failed: ${fault.message}`, { kind: 'files', err: String(err) });
    ctx.set(fault.headers);
    answer(ctx, fault.status, fault.message);
  }
}

/** The size a stored upload announced (and was checked against). */
function uploadSize(ctx: Koa.Context): number | undefined {
  const size = Number(ctx.get('content-length'));
  return Number.isSafeInteger(size) ? size : undefined;
}
