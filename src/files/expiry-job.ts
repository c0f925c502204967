import { appendFileSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { FileSettings } from '../config/files-config.js';
import type { FileRecord, FileRecords } from '../store/file-records.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { FileStore } from './file-store.js';
import { INCOMING_DIR } from './receive-upload.js';

/** One JSON line per deleted file, in the store's own folder (no upload can reach "." names). */
export const EXPIRY_REPORT = '.expiry-report.log';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Deletes files whose current version is older than `[files] ttl`, and writes a report line for
 * each. It works from the catalog, so a file still being uploaded (only a temporary file, with no
 * record yet) is never touched. It runs a tenth of the ttl apart, between a minute and an hour, so
 * a file outlives its ttl by at most that much; settings are read on each run, so a reload applies.
 */
export class ExpiryJob {
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    private readonly files: () => FileSettings | undefined,
    private readonly records: FileRecords,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Schedules the job, after clearing what a previous run of the server left half uploaded. */
  start(): void {
    this.#clearLeftovers();
    this.#schedule();
  }

  /**
   * Temporary files older than this process are uploads a crash or kill cut short: no request of
   * this process can be writing them. They were never visible; this only gives their space back.
   */
  #clearLeftovers(): void {
    const files = this.files();
    if (files === undefined) return;
    const incoming = join(files.storeDir, INCOMING_DIR);
    const startedAt = Date.now() - process.uptime() * 1000;
    let names: string[];
    try {
      names = readdirSync(incoming);
    } catch {
      return;
    }
    let cleared = 0;
    for (const name of names) {
      const file = join(incoming, name);
      try {
        if (statSync(file).mtimeMs < startedAt) {
          unlinkSync(file);
          cleared++;
        }
      } catch {
        // Gone already, or not ours to remove: nothing to give back.
      }
    }
    if (cleared > 0)
      this.log.info(`removed ${cleared} unfinished upload(s) left by an earlier run`, { kind: 'files' });
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }

  /** Deletes what is due now; returns what went. */
  run(): FileRecord[] {
    const files = this.files();
    if (files === undefined || files.ttl <= 0) return [];
    const now = this.clock.now().getTime();
    const gone = new FileStore(files.storeDir, this.records).expire(now - files.ttl);
    for (const record of gone) this.#report(files.storeDir, record, now);
    if (gone.length > 0) this.log.info(`expired ${gone.length} file(s)`, { kind: 'files' });
    return gone;
  }

  #report(storeDir: string, record: FileRecord, now: number): void {
    const line = {
      deletedAt: new Date(now).toISOString(),
      path: record.path,
      size: record.size,
      sha256: record.sha256,
      uploader: record.uploader,
      uploadedAt: new Date(record.uploadedAt).toISOString(),
    };
    this.log.info('file expired', { kind: 'files', ...line });
    try {
      appendFileSync(join(storeDir, EXPIRY_REPORT), `${JSON.stringify(line)}\n`, { mode: 0o640 });
    } catch (err) {
      this.log.error('could not write the expiry report', { kind: 'files', err: String(err) });
    }
  }

  #schedule(): void {
    if (this.#stopped) return;
    const ttl = this.files()?.ttl ?? 0;
    const every = ttl > 0 ? Math.min(HOUR, Math.max(MINUTE, ttl / 10)) : HOUR;
    this.#timer = setTimeout(() => {
      try {
        this.run();
      } catch (err) {
        this.log.error('expiring files failed; will retry', { kind: 'files', err: String(err) });
      }
      this.#schedule();
    }, every);
    this.#timer.unref();
  }
}
