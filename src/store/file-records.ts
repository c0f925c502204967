/**
 * The file server's catalog as the store keeps it: one record per stored version of a name.
 * Synchronous like the rest of the store; `atomically` lets the file store pair a row change with
 * the link or unlink it stands for, so the server and an admin command never interleave the two.
 */
export interface FileRecord {
  /** Decoded, relative to the storage directory, "/"-separated: `uuid/très cool.jpg`. */
  readonly path: string;
  /** 1 for the first upload of the path; each replacement adds one. */
  readonly version: number;
  readonly sha256: string;
  readonly size: number;
  readonly contentType: string;
  /** Who uploaded it: `xmpp:<domain>` for a signed slot, the user's name for an API upload. */
  readonly uploader: string;
  /** Epoch ms. */
  readonly uploadedAt: number;
}

export interface FileListing {
  /** Only paths starting with this (a folder, or any text). */
  readonly prefix?: string;
  /** Only files whose current version was uploaded before this (epoch ms). */
  readonly uploadedBefore?: number;
  readonly limit?: number;
}

export interface FileRecords {
  /** The newest version of `path`. */
  current(path: string): FileRecord | undefined;
  /** Every kept version of `path`, newest first. */
  versions(path: string): FileRecord[];
  /** The current version of every path, by path. */
  list(listing?: FileListing): FileRecord[];
  /** Adds a version after the newest one (1 when the path is new) and returns it. */
  add(record: Omit<FileRecord, 'version'>): FileRecord;
  /** Removes every version of `path`; returns what was removed. */
  removePath(path: string): FileRecord[];
  /** Removes all but the newest `keep` versions of `path`; returns what was removed. */
  pruneVersions(path: string, keep: number): FileRecord[];
  /** How many records name this content. */
  references(sha256: string): number;
  /** Total bytes and count of current versions (what users see), and of distinct contents kept. */
  usage(): { files: number; bytes: number; contents: number; storedBytes: number };
  /** Runs `work` in one write transaction (nested calls join the outer one). */
  atomically<T>(work: () => T): T;
}
