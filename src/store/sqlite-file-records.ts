import type Database from 'better-sqlite3';
import type { FileListing, FileRecord, FileRecords } from './file-records.js';

interface FileRow {
  path: string;
  version: number;
  sha256: string;
  size: number;
  content_type: string;
  uploader: string;
  uploaded_at: number;
}

const COLUMNS = 'path, version, sha256, size, content_type, uploader, uploaded_at';
/** The newest version of each path. */
const CURRENT = `SELECT ${COLUMNS} FROM file_versions f
  WHERE version = (SELECT max(version) FROM file_versions WHERE path = f.path)`;

/** The catalog's rows in the store's SQLite database (table file_versions, migration 2). */
export class SqliteFileRecords implements FileRecords {
  readonly #db: Database.Database;
  readonly #sql;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#sql = {
      current: db.prepare<[string], FileRow>(
        `SELECT ${COLUMNS} FROM file_versions WHERE path = ? ORDER BY version DESC LIMIT 1`,
      ),
      versions: db.prepare<[string], FileRow>(
        `SELECT ${COLUMNS} FROM file_versions WHERE path = ? ORDER BY version DESC`,
      ),
      list: db.prepare<[{ prefix: string; before: number; limit: number }], FileRow>(
        `${CURRENT} AND substr(path, 1, length(@prefix)) = @prefix AND uploaded_at < @before
         ORDER BY path LIMIT @limit`,
      ),
      insert: db.prepare<[FileRow], FileRow>(
        `INSERT INTO file_versions (${COLUMNS})
         VALUES (@path, (SELECT coalesce(max(version), 0) + 1 FROM file_versions WHERE path = @path),
                 @sha256, @size, @content_type, @uploader, @uploaded_at)
         RETURNING ${COLUMNS}`,
      ),
      removePath: db.prepare<[string], FileRow>(
        `DELETE FROM file_versions WHERE path = ? RETURNING ${COLUMNS}`,
      ),
      prune: db.prepare<[{ path: string; keep: number }], FileRow>(
        `DELETE FROM file_versions WHERE path = @path AND version NOT IN
           (SELECT version FROM file_versions WHERE path = @path ORDER BY version DESC LIMIT @keep)
         RETURNING ${COLUMNS}`,
      ),
      references: db.prepare<[string], { n: number }>(
        'SELECT count(*) AS n FROM file_versions WHERE sha256 = ?',
      ),
      usage: db.prepare<[], { files: number; bytes: number | null }>(
        `SELECT count(*) AS files, sum(size) AS bytes FROM (${CURRENT})`,
      ),
      contents: db.prepare<[], { contents: number; stored: number | null }>(
        'SELECT count(*) AS contents, sum(size) AS stored FROM (SELECT sha256, max(size) AS size FROM file_versions GROUP BY sha256)',
      ),
    };
  }

  current(path: string): FileRecord | undefined {
    const row = this.#sql.current.get(path);
    return row === undefined ? undefined : toRecord(row);
  }

  versions(path: string): FileRecord[] {
    return this.#sql.versions.all(path).map(toRecord);
  }

  list(listing: FileListing = {}): FileRecord[] {
    return this.#sql.list
      .all({
        prefix: listing.prefix ?? '',
        before: listing.uploadedBefore ?? Number.MAX_SAFE_INTEGER,
        limit: listing.limit ?? -1,
      })
      .map(toRecord);
  }

  add(record: Omit<FileRecord, 'version'>): FileRecord {
    const row = this.#sql.insert.get({
      path: record.path,
      version: 0,
      sha256: record.sha256,
      size: record.size,
      content_type: record.contentType,
      uploader: record.uploader,
      uploaded_at: record.uploadedAt,
    });
    if (row === undefined) throw new Error(`adding a version of ${record.path} returned nothing`);
    return toRecord(row);
  }

  removePath(path: string): FileRecord[] {
    return this.#sql.removePath.all(path).map(toRecord);
  }

  pruneVersions(path: string, keep: number): FileRecord[] {
    return this.#sql.prune.all({ path, keep }).map(toRecord);
  }

  references(sha256: string): number {
    return this.#sql.references.get(sha256)?.n ?? 0;
  }

  usage(): { files: number; bytes: number; contents: number; storedBytes: number } {
    const shown = this.#sql.usage.get();
    const kept = this.#sql.contents.get();
    return {
      files: shown?.files ?? 0,
      bytes: shown?.bytes ?? 0,
      contents: kept?.contents ?? 0,
      storedBytes: kept?.stored ?? 0,
    };
  }

  atomically<T>(work: () => T): T {
    // IMMEDIATE takes the write lock at the start, so a reader-turned-writer never deadlocks with
    // the other process; inside an open transaction better-sqlite3 nests a savepoint instead.
    return this.#db.transaction(work).immediate();
  }
}

function toRecord(row: FileRow): FileRecord {
  return {
    path: row.path,
    version: row.version,
    sha256: row.sha256,
    size: row.size,
    contentType: row.content_type,
    uploader: row.uploader,
    uploadedAt: row.uploaded_at,
  };
}
