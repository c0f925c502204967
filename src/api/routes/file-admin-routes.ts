import { queryText } from '../query.js';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { FileSettings } from '../../config/files-config.js';
import {
  deleteStoredFile,
  LIST_LIMIT,
  listFiles,
  publicUrl,
  resolveAdminName,
  versionView,
} from '../../files/file-admin.js';
import { sendDownload } from '../../files/download-response.js';
import { FileStore } from '../../files/file-store.js';
import { versionQuery } from '../../files/version-query.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, badRequest, notFound } from '../errors.js';
import { requireAdmin } from '../guards.js';

/**
 * The file server's stored files, for admins: list, show versions, download any kept version,
 * delete. Names travel in the query string (`?path=`): they
 * hold "/" and any Unicode, which a route parameter would need re-encoded.
 */
export function fileAdminRoutes(router: Router, deps: ApiDeps): void {
  router.get('/api/admin/files', async (ctx) => {
    await requireAdmin(ctx, deps);
    const files = fileServer(deps);
    const prefix = queryText(ctx, 'prefix');
    ctx.body = listFiles(deps.services.store.files, files, {
      ...(prefix === undefined ? {} : { prefix }),
      limit: limitOf(ctx),
    });
  });

  router.get('/api/admin/files/versions', async (ctx) => {
    await requireAdmin(ctx, deps);
    const files = fileServer(deps);
    const path = checkedName(ctx, files);
    const versions = deps.services.store.files.versions(path);
    if (versions.length === 0) throw notFound(`no stored file "${path}"`);
    ctx.body = { path, url: publicUrl(files.prefix, path), versions: versions.map(versionView) };
  });

  router.get('/api/admin/files/download', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    const files = fileServer(deps);
    const path = checkedName(ctx, files);
    const asked = versionQuery(ctx.query['version']);
    if (!asked.ok) throw badRequest(asked.reason);
    const kept = new FileStore(files.storeDir, deps.services.store.files).storedVersion(path, asked.version);
    if (kept === undefined) {
      throw notFound(
        asked.version === undefined
          ? `no stored file "${path}"`
          : `no version ${asked.version} of "${path}" is kept`,
      );
    }
    const { record, blob } = kept;
    // No meter: this is the admin's tool, so the bytes are charged to nobody's quota.
    const outcome = await sendDownload(ctx, {
      path: blob,
      size: record.size,
      modified: new Date(record.uploadedAt),
      contentType: record.contentType,
      etag: `"${record.sha256}"`,
      name: path.slice(path.lastIndexOf('/') + 1),
      attachment: true,
    });
    // sendDownload answers these in plain text for the public route; the API answers in JSON.
    if (outcome === 'missing') throw notFound(`the content of "${path}" is gone from the disk`);
    if (outcome === 'size-mismatch') throw new Error(`the blob of "${path}" does not match its record`);
    if (outcome === 'sent') {
      deps.services.log.info('file downloaded by an admin', {
        kind: 'files',
        path,
        version: record.version,
        admin: admin.claims.user,
      });
    }
  });

  router.delete('/api/admin/files', async (ctx) => {
    const admin = await requireAdmin(ctx, deps);
    const files = fileServer(deps);
    const path = checkedName(ctx, files);
    const outcome = deleteStoredFile(new FileStore(files.storeDir, deps.services.store.files), path);
    switch (outcome.kind) {
      case 'refused':
        throw badRequest(`bad path: ${outcome.reason}`);
      case 'folder':
        throw new ApiError(409, 'conflict', `"${path}" is a folder, not a file`);
      case 'not_found':
        throw notFound(`no stored file "${path}"`);
      case 'deleted':
        deps.services.log.info('file deleted by an admin', {
          kind: 'files',
          path,
          versions: outcome.removed.length,
          untracked: outcome.untracked,
          admin: admin.claims.user,
        });
        ctx.body = { path, removed: outcome.removed.map(versionView), untracked: outcome.untracked };
    }
  });
}

/** The running configuration's `[files]`; without it there is nothing to list or delete. */
function fileServer(deps: ApiDeps): FileSettings {
  const files = deps.config().server.files;
  if (files === undefined) {
    throw new ApiError(404, 'no_file_server', 'server.toml has no [files]: there is no file server');
  }
  return files;
}

function limitOf(ctx: Context): number {
  const text = queryText(ctx, 'limit');
  if (text === undefined) return LIST_LIMIT.default;
  const limit = /^\d+$/u.test(text) ? Number(text) : NaN;
  if (!(limit >= 1 && limit <= LIST_LIMIT.max)) {
    throw badRequest(`limit must be an integer from 1 to ${LIST_LIMIT.max}, not "${text}"`);
  }
  return limit;
}

/** `?path=`, checked as the upload routes check names: the versions route refuses what rm would. */
function checkedName(ctx: Context, files: FileSettings): string {
  const path = queryText(ctx, 'path');
  if (path === undefined || path === '') throw badRequest('give the file as ?path=');
  const where = resolveAdminName(path, files.storeDir);
  if (!where.ok) throw badRequest(`bad path: ${where.reason}`);
  return where.path.signed;
}
