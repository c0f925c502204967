import type Koa from 'koa';
import { lstat } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import type { FileSettings } from '../config/files-config.js';
import type { RequestContext } from '../managers/types.js';
import { flowMeters } from '../proxy/metered-flow.js';
import { normalizeClientIp } from '../proxy/request-target.js';
import { refusals } from '../rules/trace.js';
import { answer } from './answer.js';
import { UNKNOWN_TYPE } from './content-type.js';
import { DownloadMeter } from './download-meter.js';
import { sendDownload, type DownloadFile, type ThroughMeter } from './download-response.js';
import type { FileRouteDeps } from './route-deps.js';
import { resolveStoredPath } from './safe-path.js';

/**
 * GET and HEAD under the prefix: judged by the `download` rule (by default anyone holding the link),
 * served from the name's current version with its recorded type and sha256 as a strong ETag. The
 * quotas and bandwidth limits the rule reached are charged per chunk, as on the proxy.
 */
export async function getFile(ctx: Koa.Context, files: FileSettings, deps: FileRouteDeps): Promise<void> {
  const where = resolveStoredPath(ctx.path, files.prefix, files.storeDir);
  if (!where.ok) return answer(ctx, 400, `bad path: ${where.reason}`);
  const { path } = where;
  // The store's own folders (blobs, temporary uploads, the expiry report) are never served.
  if ((path.segments[0] as string).startsWith('.')) return answer(ctx, 404, 'no such file');

  const rctx: RequestContext = {
    surface: 'download',
    clientIp: normalizeClientIp(ctx.req.socket.remoteAddress),
    at: deps.now(),
    users: new Map(),
  };
  const decision = await deps.policy().decide('download', rctx);
  if (!decision.allow) {
    const why = refusals(decision.trace).map((t) => `${t.name}: ${t.reason ?? 'no'}`);
    return answer(
      ctx,
      403,
      `the download rule does not allow this${why.length > 0 ? ` (${why.join('; ')})` : ''}`,
    );
  }

  const found = await regularFile(path.file);
  if (found === undefined) return answer(ctx, 404, 'no such file');
  const record = deps.records.current(path.signed);
  const known = record !== undefined && record.size === found.size;
  const file: DownloadFile = {
    path: path.file,
    size: found.size,
    modified: known ? new Date(record.uploadedAt) : found.mtime,
    contentType: known ? record.contentType : UNKNOWN_TYPE,
    // The content's hash is the best validator there is; a file the catalog does not know (copied in
    // by hand) gets a weak one from its size and time.
    etag: known
      ? `"${record.sha256}"`
      : `W/"${found.size.toString(16)}-${Math.floor(found.mtimeMs).toString(16)}"`,
    name: path.segments[path.segments.length - 1] as string,
  };
  const meters = flowMeters(decision);
  const through: ThroughMeter | undefined =
    meters.length + decision.pacers.length === 0
      ? undefined
      : (body: Readable) => pipeline(body, new DownloadMeter(meters, decision.pacers), () => undefined);
  await sendDownload(ctx, file, through);
}

/** The file's size and time when it is a regular file (not a folder, not a link). */
async function regularFile(
  file: string,
): Promise<{ size: number; mtime: Date; mtimeMs: number } | undefined> {
  try {
    const s = await lstat(file);
    return s.isFile() ? s : undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}
