import type Koa from 'koa';
import { lstat } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import type { FileSettings } from '../config/files-config.js';
import { ruleContext } from '../managers/rule-context.js';
import { flowMeters } from '../proxy/metered-flow.js';
import { normalizeClientIp } from '../proxy/request-target.js';
import { answer, answerRefused } from './answer.js';
import { UNKNOWN_TYPE } from './content-type.js';
import { DownloadMeter } from './download-meter.js';
import { sendDownload, type DownloadFile, type ThroughMeter } from './download-response.js';
import type { FileRouteDeps } from './route-deps.js';
import { resolveStoredPath, type StoredPath } from './safe-path.js';
import { FileStore } from './file-store.js';
import { OWN_FOLDER } from './put-route.js';
import { versionQuery } from './version-query.js';
import type { FileRecord } from '../store/file-records.js';

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

  const rctx = ruleContext('download', normalizeClientIp(ctx.req.socket.remoteAddress), deps.now());
  const decision = await deps.policy().decide('download', rctx);
  if (!decision.allow) return answerRefused(ctx, 'download', decision);

  const chosen = await chooseVersion(ctx, files, deps, path);
  if ('status' in chosen) return answer(ctx, chosen.status, chosen.message);
  const found = await regularFile(chosen.disk);
  if (found === undefined) return answer(ctx, 404, 'no such file');
  const { record } = chosen;
  const known = record !== undefined && record.size === found.size;
  const file: DownloadFile = {
    path: chosen.disk,
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

/**
 * The current version, served from the name; or, with `?version=N`, an older version of a file in
 * the caller's own folder, served from its blob (older versions are their owner's alone).
 */
async function chooseVersion(
  ctx: Koa.Context,
  files: FileSettings,
  deps: FileRouteDeps,
  path: StoredPath,
): Promise<{ disk: string; record: FileRecord | undefined } | { status: number; message: string }> {
  const asked = versionQuery(ctx.query['version']);
  if (!asked.ok) return { status: 400, message: asked.reason };
  if (asked.version === undefined) return { disk: path.file, record: deps.records.current(path.signed) };
  const first = path.segments[0] as string;
  const caller = await deps.loggedInUser(ctx);
  if (!caller.ok) return caller;
  if (first !== `${OWN_FOLDER}${caller.user}`) {
    return {
      status: 403,
      message: `older versions are for their owner: ${caller.user} may read only ${OWN_FOLDER}${caller.user}/`,
    };
  }
  const kept = new FileStore(files.storeDir, deps.records).storedVersion(path.signed, asked.version);
  if (kept === undefined) return { status: 404, message: `no version ${asked.version} of this file is kept` };
  return { disk: kept.blob, record: kept.record };
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
