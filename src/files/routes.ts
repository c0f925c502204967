import type Koa from 'koa';
import type { FileSettings } from '../config/files-config.js';
import type { RequestContext } from '../managers/types.js';
import type { Policy } from '../rules/decision.js';
import { refusals } from '../rules/trace.js';
import type { Logger } from '../util/logger.js';
import { normalizeClientIp } from '../proxy/request-target.js';
import { lstat, mkdir } from 'node:fs/promises';
import { FILE_METHODS, setCors } from './cors.js';
import { hasAllowedExtension, resolveStoredPath } from './safe-path.js';
import { freeBytes, storeUpload } from './store-file.js';

/** What the file routes need of the running gateway, read on every request so a reload applies. */
export interface FileRouteDeps {
  files(): FileSettings | undefined;
  policy(): Policy;
  now(): Date;
  readonly log: Logger;
}

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

async function putFile(ctx: Koa.Context, files: FileSettings, deps: FileRouteDeps): Promise<void> {
  const where = resolveStoredPath(ctx.path, files.prefix, files.storeDir);
  if (!where.ok) return answer(ctx, 400, `bad path: ${where.reason}`);
  const { path } = where;
  // The store's own folders (temporary files, later versions) start with "."; no upload may reach them.
  if ((path.segments[0] as string).startsWith('.'))
    return answer(ctx, 400, 'bad path: a folder starting with "."');

  const length = ctx.get('Content-Length');
  // A chunked body cannot be checked against the signed size before it is read (research §1.2).
  if (ctx.get('Transfer-Encoding') !== '' || !/^\d+$/u.test(length)) {
    return answer(ctx, 411, 'a PUT needs a Content-Length (no chunked transfer)');
  }
  const size = Number(length);
  const contentType = ctx.req.headers['content-type'];
  const rctx: RequestContext = {
    surface: 'upload',
    clientIp: normalizeClientIp(ctx.req.socket.remoteAddress),
    at: deps.now(),
    users: new Map(),
    upload: {
      path: path.signed,
      size,
      query: new URLSearchParams(ctx.querystring),
      signedBy: new Map(),
      ...(contentType === undefined ? {} : { contentType }),
    },
  };
  const decision = await deps.policy().decide('upload', rctx);
  if (!decision.allow) {
    const why = refusals(decision.trace).map((t) => `${t.name}: ${t.reason ?? 'no'}`);
    return answer(
      ctx,
      403,
      `the upload rule does not allow this${why.length > 0 ? ` (${why.join('; ')})` : ''}`,
    );
  }

  const name = path.segments[path.segments.length - 1] as string;
  if (!hasAllowedExtension(name, files.allowedExtensions)) {
    return answer(ctx, 415, `files named like "${name}" are not accepted here`);
  }
  if (size > files.maxSize) return answer(ctx, 413, `larger than the limit of ${files.maxSize} bytes`);
  // Checked again, atomically, when the file is linked into place; this spares reading the body.
  if (await exists(path.file)) return answer(ctx, 409, 'a file of that name exists');
  await mkdir(files.storeDir, { recursive: true });
  if ((await freeBytes(files.storeDir)) - size < files.minFreeDisk) {
    deps.log.warn('upload refused: the store is nearly full', { kind: 'files', storeDir: files.storeDir });
    return answer(ctx, 507, 'not enough free space');
  }

  const outcome = await storeUpload(files.storeDir, path.file, size, ctx.req);
  switch (outcome.kind) {
    case 'stored':
      deps.log.info('upload stored', { kind: 'files', path: path.signed, size, client: rctx.clientIp });
      ctx.status = 201;
      return;
    case 'exists':
      return answer(ctx, 409, 'a file of that name exists');
    case 'short':
      return answer(ctx, 400, `${outcome.received} bytes came, not ${size}`);
    case 'long':
      return answer(ctx, 400, `more bytes came than ${size}`);
  }
}

function answer(ctx: Koa.Context, status: number, message: string): void {
  ctx.status = status;
  ctx.type = 'text/plain; charset=utf-8';
  ctx.body = `${message}\n`;
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    // A file where a folder of the path would go: the name cannot be created either.
    if (code === 'ENOTDIR') return true;
    throw err;
  }
}
