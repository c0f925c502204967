import type Koa from 'koa';
import { lstat, mkdir } from 'node:fs/promises';
import type { FileSettings } from '../config/files-config.js';
import { ruleContext } from '../managers/rule-context.js';
import type { RequestContext } from '../managers/types.js';
import { normalizeClientIp } from '../proxy/request-target.js';
import { reserveAll, type Reservation } from '../metering/reservation.js';
import { answer, answerRefused, answerRefusedBy } from './answer.js';
import { storedContentType } from './content-type.js';
import { FileStore, type UploadFacts } from './file-store.js';
import { freeBytes } from './free-space.js';
import { discard, receiveUpload } from './receive-upload.js';
import type { FileRouteDeps } from './route-deps.js';
import { hasAllowedExtension, resolveStoredPath, type StoredPath } from './safe-path.js';
import { scanUpload } from './scan-upload.js';

/**
 * A first path segment starting with "~" is a user's own folder (`~alice/…`): uploads there are
 * authenticated by an API token, not signed, and replace the file keeping older versions. The
 * store's own folders start with "."; no upload reaches them.
 */
export const OWN_FOLDER = '~';
const STORE_FOLDER = '.';

/** Who is uploading, once the request has shown it. */
type Uploader = { readonly kind: 'signed' } | { readonly kind: 'own'; readonly user: string };

/**
 * A PUT under the prefix. Everything that can be decided from the headers is decided before a body
 * byte is read: the uploader, the upload rule, the extension, the size limit, an existing name (for
 * signed slots) and free space; and the announced size is reserved in every quota the rule reached.
 * The body then goes to a temporary file, is scanned, and is linked into place: a signed slot only
 * when the name is new, an own file as its newest version. The reservation becomes the charge in
 * the catalog transaction that links the file, and is released on every other way out.
 */
export async function putFile(ctx: Koa.Context, files: FileSettings, deps: FileRouteDeps): Promise<void> {
  const where = resolveStoredPath(ctx.path, files.prefix, files.storeDir);
  if (!where.ok) return answer(ctx, 400, `bad path: ${where.reason}`);
  const { path } = where;
  const first = path.segments[0] as string;
  if (first.startsWith(STORE_FOLDER)) return answer(ctx, 400, 'bad path: a first folder starting with "."');
  const uploader = await uploaderOf(ctx, first, deps);
  if ('status' in uploader) return answer(ctx, uploader.status, uploader.message);

  const length = ctx.get('Content-Length');
  // A chunked body cannot be checked against the signed size before it is read (research §1.2).
  if (ctx.get('Transfer-Encoding') !== '' || !/^\d+$/u.test(length)) {
    return answer(ctx, 411, 'a PUT needs a Content-Length (no chunked transfer)');
  }
  const size = Number(length);
  const contentType = ctx.req.headers['content-type'];
  const rctx = uploadContext(ctx, deps, path, size, contentType);
  const decision = await deps.policy().decide('upload', rctx);
  if (!decision.allow) return answerRefused(ctx, 'upload', decision);
  // Held from here until the file is stored, so uploads racing one quota cannot all pass it.
  const reserved = reserveAll(decision.meters, size);
  if (!reserved.ok)
    return answerRefusedBy(ctx, 'upload', [{ name: reserved.manager, reason: reserved.reason }]);
  try {
    await receiveAndStore(
      ctx,
      { files, deps, path, uploader, size, contentType, rctx },
      reserved.reservation,
    );
  } finally {
    // A no-op once the upload was stored (committed); otherwise every way out gives the room back.
    reserved.reservation.release();
  }
}

/** What putFile established from the headers, for the part that reads the body. */
interface UploadPlan {
  readonly files: FileSettings;
  readonly deps: FileRouteDeps;
  readonly path: StoredPath;
  readonly uploader: Uploader;
  readonly size: number;
  readonly contentType: string | undefined;
  readonly rctx: RequestContext;
}

/** The checks left after the rule, then the body, the scan and the link into place. */
async function receiveAndStore(ctx: Koa.Context, plan: UploadPlan, reservation: Reservation): Promise<void> {
  const { files, deps, path, uploader, size, contentType, rctx } = plan;
  const name = path.segments[path.segments.length - 1] as string;
  if (!hasAllowedExtension(name, files.allowedExtensions)) {
    return answer(ctx, 415, `files named like "${name}" are not accepted here`);
  }
  if (size > files.maxSize) return answer(ctx, 413, `larger than the limit of ${files.maxSize} bytes`);
  const store = new FileStore(files.storeDir, deps.records);
  const replacing = store.records.current(path.signed) !== undefined || (await exists(path.file));
  // Checked again, atomically, when the file is linked into place; this spares reading the body.
  if (uploader.kind === 'signed' && replacing) return answer(ctx, 409, 'a file of that name exists');
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
  if (scan.verdict !== undefined) deps.metrics?.scan(scan.verdict);
  const log = { kind: 'files', path: path.signed, size, client: rctx.clientIp };
  if (!scan.accept) {
    await discard(upload.temp);
    deps.log.warn(`upload refused: ${scan.logged}`, log);
    return answer(ctx, scan.status, scan.message);
  }
  if (scan.unscanned !== undefined) deps.log.warn(`upload stored unscanned: ${scan.unscanned}`, log);

  const facts: UploadFacts = {
    path: path.signed,
    contentType: storedContentType(contentType),
    uploader: uploader.kind === 'own' ? uploader.user : signerOf(rctx),
    uploadedAt: deps.now().getTime(),
  };
  // The quotas the rule reached (upQuota) take the whole size in the transaction that stores it.
  const charge = (): void => reservation.commit();
  if (uploader.kind === 'signed') {
    const outcome = store.create(upload, facts, charge);
    if (outcome.kind === 'exists') return answer(ctx, 409, 'a file of that name exists');
    ctx.status = 201;
  } else {
    const outcome = store.replace(upload, facts, files.maxVersions, charge);
    if (outcome.kind === 'conflict') return answer(ctx, 409, outcome.reason);
    ctx.set('X-File-Version', String(outcome.record.version));
    ctx.status = replacing ? 204 : 201;
  }
  deps.log.info('upload stored', { ...log, sha256: upload.sha256, uploader: facts.uploader });
}

/** A signed slot, or a user's own folder with a token of that user. */
async function uploaderOf(
  ctx: Koa.Context,
  first: string,
  deps: FileRouteDeps,
): Promise<Uploader | { status: number; message: string }> {
  if (!first.startsWith(OWN_FOLDER)) return { kind: 'signed' };
  const caller = await deps.loggedInUser(ctx);
  if (!caller.ok) return { status: caller.status, message: caller.message };
  if (first !== `${OWN_FOLDER}${caller.user}`) {
    return { status: 403, message: `${caller.user} may upload only under ${OWN_FOLDER}${caller.user}/` };
  }
  return { kind: 'own', user: caller.user };
}

function uploadContext(
  ctx: Koa.Context,
  deps: FileRouteDeps,
  path: StoredPath,
  size: number,
  contentType: string | undefined,
): RequestContext {
  return {
    ...ruleContext('upload', normalizeClientIp(ctx.req.socket.remoteAddress), deps.now()),
    upload: {
      path: path.signed,
      size,
      query: new URLSearchParams(ctx.querystring),
      signedBy: new Map(),
      ...(contentType === undefined ? {} : { contentType }),
    },
  };
}

/** Who a signed upload is recorded as: the XMPP domain whose server signed it (`xmpp:<domain>`). */
function signerOf(rctx: RequestContext): string {
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
