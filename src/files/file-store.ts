import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, renameSync, rmdirSync, unlinkSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { FileRecord, FileRecords } from '../store/file-records.js';
import { INCOMING_DIR, type ReceivedUpload } from './receive-upload.js';

/** Content lives here once per sha256: `.blobs/ab/abcdef…`. The routes never serve "." folders. */
export const BLOBS_DIR = '.blobs';

/** What the catalog records of an upload besides its bytes. */
export interface UploadFacts {
  /** Decoded, relative to the store, "/"-separated. */
  readonly path: string;
  readonly contentType: string;
  readonly uploader: string;
  readonly uploadedAt: number;
}

export type CreateOutcome =
  { readonly kind: 'created'; readonly record: FileRecord } | { readonly kind: 'exists' };

export type ReplaceOutcome =
  | { readonly kind: 'stored'; readonly record: FileRecord; readonly pruned: readonly FileRecord[] }
  | { readonly kind: 'conflict'; readonly reason: string };

/**
 * The storage directory and its catalog together. Each name is a hard link to its content's blob,
 * so identical uploads take the space of one, and a name can be served, backed up or inspected as
 * an ordinary file. Every change runs inside one catalog transaction that also holds the file
 * system steps, so the server and `pmproxy files rm` never interleave a link with an unlink; a
 * blob goes when the last record naming it goes.
 */
export class FileStore {
  constructor(
    readonly dir: string,
    readonly records: FileRecords,
  ) {}

  /** The file a path's current version is served from. */
  fileOf(path: string): string {
    return join(this.dir, ...path.split('/'));
  }

  blobOf(sha256: string): string {
    return join(this.dir, BLOBS_DIR, sha256.slice(0, 2), sha256);
  }

  /**
   * A kept version of `path` (the current one when `version` is undefined) and the blob holding
   * its bytes: an older version has no name of its own on disk, only its blob.
   */
  storedVersion(path: string, version?: number): { record: FileRecord; blob: string } | undefined {
    const record =
      version === undefined
        ? this.records.current(path)
        : this.records.versions(path).find((v) => v.version === version);
    return record === undefined ? undefined : { record, blob: this.blobOf(record.sha256) };
  }

  /**
   * Makes `upload` visible at `facts.path` unless that name exists (in the catalog or on disk): a
   * signed slot is written at most once. Consumes the temporary file either way. `charge` runs
   * last inside the catalog transaction (the quota's charge: stored and charged, or neither).
   */
  create(upload: ReceivedUpload, facts: UploadFacts, charge: () => void = noCharge): CreateOutcome {
    try {
      return this.records.atomically(() => {
        if (this.records.current(facts.path) !== undefined) return { kind: 'exists' };
        const blob = this.#keepBlob(upload);
        const file = this.fileOf(facts.path);
        try {
          mkdirSync(dirname(file), { recursive: true });
          linkSync(blob, file);
        } catch (err) {
          this.#dropBlobIfUnused(upload.sha256);
          // EEXIST: the name is taken; ENOTDIR/EEXIST on mkdir: a file sits where a folder would go.
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'EEXIST' || code === 'ENOTDIR') return { kind: 'exists' };
          throw err;
        }
        try {
          const record = this.records.add({ ...facts, sha256: upload.sha256, size: upload.size });
          charge();
          return { kind: 'created', record };
        } catch (err) {
          unlinkSync(file);
          throw err;
        }
      });
    } finally {
      unlinkQuietly(upload.temp);
    }
  }

  /**
   * Makes `upload` the new current version of `facts.path`, keeping `keepOld` older versions and
   * dropping the rest. The name switches atomically (rename over it): a reader sees the old bytes or
   * the new, never a mix. Consumes the temporary file either way. `charge` as for `create`.
   */
  replace(
    upload: ReceivedUpload,
    facts: UploadFacts,
    keepOld: number,
    charge: () => void = noCharge,
  ): ReplaceOutcome {
    try {
      return this.records.atomically(() => {
        const blob = this.#keepBlob(upload);
        const file = this.fileOf(facts.path);
        const swap = join(this.dir, INCOMING_DIR, `${randomBytes(16).toString('hex')}.swap`);
        try {
          mkdirSync(dirname(file), { recursive: true });
          linkSync(blob, swap);
          renameSync(swap, file);
        } catch (err) {
          unlinkQuietly(swap);
          this.#dropBlobIfUnused(upload.sha256);
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST' || code === 'ENOTEMPTY') {
            return {
              kind: 'conflict',
              reason: 'a folder of that name exists, or a file where a folder would go',
            };
          }
          throw err;
        }
        const record = this.records.add({ ...facts, sha256: upload.sha256, size: upload.size });
        const pruned = this.records.pruneVersions(facts.path, keepOld + 1);
        this.#dropUnusedBlobs(pruned);
        charge();
        return { kind: 'stored', record, pruned };
      });
    } finally {
      unlinkQuietly(upload.temp);
    }
  }

  /**
   * Deletes a name and all its versions. Another name with the same content keeps it: the blob goes
   * only when no record names it. Returns the records removed; a file on disk that the catalog did
   * not know (copied in by hand) is removed too, and reported as `untracked`.
   */
  remove(path: string): { removed: FileRecord[]; untracked: boolean } {
    return this.records.atomically(() => {
      const removed = this.records.removePath(path);
      const file = this.fileOf(path);
      const unlinked = unlinkQuietly(file);
      this.#dropUnusedBlobs(removed);
      this.#pruneEmptyFolders(dirname(file));
      return { removed, untracked: removed.length === 0 && unlinked };
    });
  }

  /** Removes every name whose current version was uploaded before `before` (epoch ms). */
  expire(before: number): FileRecord[] {
    const gone: FileRecord[] = [];
    for (const record of this.records.list({ uploadedBefore: before })) {
      // Checked again inside the transaction: a replacement since the listing renews the name.
      const removed = this.records.atomically(() => {
        const current = this.records.current(record.path);
        if (current === undefined || current.uploadedAt >= before) return [];
        return this.remove(record.path).removed;
      });
      const newest = removed[0];
      if (newest !== undefined) gone.push(newest);
    }
    return gone;
  }

  /** The blob for `upload`'s content: linked from its temporary file unless the content is known. */
  #keepBlob(upload: ReceivedUpload): string {
    const blob = this.blobOf(upload.sha256);
    mkdirSync(dirname(blob), { recursive: true });
    try {
      linkSync(upload.temp, blob);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    return blob;
  }

  #dropUnusedBlobs(records: readonly FileRecord[]): void {
    for (const sha256 of new Set(records.map((r) => r.sha256))) this.#dropBlobIfUnused(sha256);
  }

  #dropBlobIfUnused(sha256: string): void {
    if (this.records.references(sha256) === 0) unlinkQuietly(this.blobOf(sha256));
  }

  /** Removes folders an upload created once they are empty (rmdir refuses non-empty ones). */
  #pruneEmptyFolders(folder: string): void {
    for (let at = folder; isStrictlyInside(this.dir, at); at = dirname(at)) {
      try {
        rmdirSync(at);
      } catch {
        return;
      }
    }
  }
}

function noCharge(): void {}

function isStrictlyInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..';
}

/** Whether something was removed; a missing file is no error. */
function unlinkQuietly(file: string): boolean {
  try {
    unlinkSync(file);
    return true;
  } catch (err) {
    // ENOTDIR: a file sits where a folder of the path would be, so the name cannot exist either.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw err;
  }
}
