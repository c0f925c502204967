import { lstatSync, realpathSync } from 'node:fs';
import { dirname, sep } from 'node:path';
import type { FileSettings } from '../config/files-config.js';
import type { FileRecord, FileRecords } from '../store/file-records.js';
import type { FileStore } from './file-store.js';
import { resolveStoredPath, type PathResult } from './safe-path.js';

// What the admin API routes and `pmproxy files` share: one view of a stored file, one listing and
// one deletion, so both answer alike and check names alike.

/** Listings are bounded: the catalog is read synchronously, in the server's event loop. */
export const LIST_LIMIT = { default: 1000, max: 10_000 } as const;

/** One version of a stored name, as admins see it. */
export interface VersionView {
  readonly version: number;
  readonly size: number;
  readonly contentType: string;
  readonly sha256: string;
  readonly uploader: string;
  /** ISO 8601. */
  readonly uploadedAt: string;
}

/** A name's current version, how many versions it has, and where it is downloaded from. */
export interface FileView extends VersionView {
  readonly path: string;
  readonly versions: number;
  /** The public URL path: `[files] prefix` and each segment percent-encoded. */
  readonly url: string;
}

export type Usage = ReturnType<FileRecords['usage']>;

export interface FileListingView {
  readonly files: FileView[];
  /** More files match than `limit`. */
  readonly truncated: boolean;
  readonly usage: Usage;
}

export function versionView(record: FileRecord): VersionView {
  return {
    version: record.version,
    size: record.size,
    contentType: record.contentType,
    sha256: record.sha256,
    uploader: record.uploader,
    uploadedAt: new Date(record.uploadedAt).toISOString(),
  };
}

export function publicUrl(prefix: string, path: string): string {
  return prefix + path.split('/').map(encodeURIComponent).join('/');
}

/**
 * Current versions by path; `prefix` is plain text the paths start with, not a pattern. Without a
 * limit, every file.
 */
export function listFiles(
  records: FileRecords,
  files: Pick<FileSettings, 'prefix'>,
  listing: { readonly prefix?: string; readonly limit?: number },
): FileListingView {
  const { limit } = listing;
  // One more than asked tells whether the listing was cut.
  const found = records.list({
    prefix: listing.prefix ?? '',
    ...(limit === undefined ? {} : { limit: limit + 1 }),
  });
  const shown = limit === undefined ? found : found.slice(0, limit);
  return {
    files: shown.map((record) => ({
      path: record.path,
      ...versionView(record),
      versions: records.versions(record.path).length,
      url: publicUrl(files.prefix, record.path),
    })),
    truncated: shown.length < found.length,
    usage: records.usage(),
  };
}

/**
 * Checks a name an admin gives (decoded, "/"-separated, relative to the store) exactly as the
 * upload routes check a request path: each segment is encoded and resolved by the same code. The
 * store's own folders (first segment starting with ".") are refused: they hold blobs and
 * temporary files that records and names point at.
 */
export function resolveAdminName(name: string, storeDir: string): PathResult {
  let encoded: string;
  try {
    encoded = name.split('/').map(encodeURIComponent).join('/');
  } catch {
    // encodeURIComponent throws on a lone surrogate: no file system name holds one.
    return { ok: false, reason: 'a path that is not valid Unicode' };
  }
  const where = resolveStoredPath(`/${encoded}`, '/', storeDir);
  if (!where.ok) return where;
  if ((where.path.segments[0] as string).startsWith('.')) {
    return { ok: false, reason: 'a first folder starting with "." (the store\'s own)' };
  }
  return where;
}

export type DeleteOutcome =
  | { readonly kind: 'deleted'; readonly removed: readonly FileRecord[]; readonly untracked: boolean }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'folder' };

/** Deletes a name and all its versions from the catalog and the disk. */
export function deleteStoredFile(store: FileStore, name: string): DeleteOutcome {
  const where = resolveAdminName(name, store.dir);
  if (!where.ok) return { kind: 'refused', reason: where.reason };
  const { file, signed } = where.path;
  // The checks above are about text; a symbolic link among the folders could still lead elsewhere.
  if (!folderIsInsideStore(store.dir, file)) {
    return { kind: 'refused', reason: 'a folder of the path leads outside the storage directory' };
  }
  if (isFolder(file)) return { kind: 'folder' };
  const { removed, untracked } = store.remove(signed);
  if (removed.length === 0 && !untracked) return { kind: 'not_found' };
  return { kind: 'deleted', removed, untracked };
}

function folderIsInsideStore(storeDir: string, file: string): boolean {
  const folder = realPath(dirname(file));
  // A folder that does not exist holds nothing to unlink.
  if (folder === undefined) return true;
  const root = realPath(storeDir) ?? storeDir;
  return folder === root || folder.startsWith(`${root}${sep}`);
}

function realPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

function isFolder(file: string): boolean {
  try {
    return lstatSync(file).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw err;
  }
}
