import type { FileSettings } from '../config/files-config.js';
import type { Policy } from '../rules/decision.js';
import type { FileRecords } from '../store/file-records.js';
import type { Logger } from '../util/logger.js';

/** What the file routes need of the running gateway, read on every request so a reload applies. */
export interface FileRouteDeps {
  files(): FileSettings | undefined;
  policy(): Policy;
  now(): Date;
  readonly records: FileRecords;
  readonly log: Logger;
}
