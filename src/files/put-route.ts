import type Koa from 'koa';
import { lstat, mkdir } from 'node:fs/promises';
import type { FileSettings } from '../config/files-config.js';
import type { RequestContext } from '../managers/types.js';
import { normalizeClientIp } from '../proxy/request-target.js';
import { refusals } from '../rules/trace.js';
import { chargeAll } from '../proxy/metered-flow.js';
import { answer } from './answer.js';
import { storedContentType } from './content-type.js';
import { FileStore } from './file-store.js';
import { freeBytes } from './free-space.js';
import { discard, receiveUpload } from './receive-upload.js';
import type { FileRouteDeps } from './route-deps.js';
import { hasAllowedExtension, resolveStoredPath } from './safe-path.js';
import { scanUpload } from './scan-upload.js';

/**
 * First characters of a first path segment no signed upload may use: "." is the store's own
 * (temporary files, blobs), "~" is where authenticated API uploads keep each user's files.
 */
export const RESERVED_FIRST = ['.', '~'];

/**
 * A signed PUT (XMPP external upload). Everything that can be decided from the headers is decided
 * before a body byte is read: the upload rule, the extension, the size limit, an existing name and
 * free space. The body then goes to a temporary file, is scanned, and is linked into place.
 */
export async function putSignedFile(
  ctx: Koa.Context,
  files: FileSettings,
  deps: FileRouteDeps,
): Promise<void> {
  const where = resolveStoredPath(ctx.path, files.prefix, files.storeDir);
  if (!where.ok) return answer(ctx, 400, `bad path: ${where.reason}`);
  const { path } = where;
  const first = path.segments[0] as string;
  if (RESERVED_FIRST.some((c) => first.startsWith(c))) {
    return answer(
      ctx,
      400,
      `bad path: a first folder starting with ${RESERVED_FIRST.map((c) => `"${c}"`).join(' or ')}`,
    );
  }

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
  const store = new FileStore(files.storeDir, deps.records);
  // Checked again, atomically, when the file is linked into place; this spares reading the body.
  if (store.records.current(path.signed) !== undefined || (await exists(path.file))) {
    return answer(ctx, 409, 'a file of that name exists');
  }
  await mkdir(files.storeDir, { recursive: true });
  if ((await freeBytes(files.storeDir)) - size < files.minFreeDisk) {
    deps.log.warn('upload refused: the store is nearly full', { kind: 'files', storeDir: files.storeDir });
    return answer(ctx, 507, 'not enough free space');
  }

  const received = await receiveUpload(files.storeDir, size, ctx.req);
  if (received.kind === 'short') return answer(ctx, 400, `${received.received} bytes came, not ${size}`);
  if (received.kind === 'long') return answer(ctx, 400, `more bytes came than ${size}`);
  const { upload } = received;

  const scan = await scanUpload(upload.temp, files);
  const log = { kind: 'files', path: path.signed, size, client: rctx.clientIp };
  if (!scan.accept) {
    await discard(upload.temp);
    deps.log.warn(`upload refused: ${scan.logged}`, log);
    return answer(ctx, scan.status, scan.message);
  }
  if (scan.unscanned !== undefined) deps.log.warn(`upload stored unscanned: ${scan.unscanned}`, log);

  const outcome = store.create(upload, {
    path: path.signed,
    contentType: storedContentType(contentType),
    uploader: uploaderOf(rctx),
    uploadedAt: deps.now().getTime(),
  });
  if (outcome.kind === 'exists') return answer(ctx, 409, 'a file of that name exists');
  // The quotas the rule reached (upQuota) take the whole size once it is stored.
  chargeAll(decision.meters, size);
  deps.log.info('upload stored', { ...log, sha256: upload.sha256 });
  ctx.status = 201;
}

/** Who a signed upload is recorded as: the XMPP domain whose server signed it (`xmpp:<domain>`). */
function uploaderOf(rctx: RequestContext): string {
  const domains = [...new Set(rctx.upload?.signedBy.values() ?? [])];
  return domains.length > 0 ? domains.map((d) => `xmpp:${d}`).join(' ') : `address:${rctx.clientIp}`;
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
