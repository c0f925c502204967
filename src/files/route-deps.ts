import type Koa from 'koa';
import type { FileSettings } from '../config/files-config.js';
import type { Policy } from '../rules/decision.js';
import type { FileRecords } from '../store/file-records.js';
import type { Logger } from '../util/logger.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';

/** What the file routes need of the running gateway, read on every request so a reload applies. */
export interface FileRouteDeps {
  files(): FileSettings | undefined;
  policy(): Policy;
  now(): Date;
  readonly records: FileRecords;
  /** The user of the API token (or page cookie) the request carries, for uploads to a user's own folder. */
  loggedInUser(ctx: Koa.Context): Promise<LoggedIn>;
  readonly log: Logger;
  /** Counts uploads, downloads and scans for /metrics; absent in tests of the routes alone. */
  readonly metrics?: Pick<GatewayMetrics, 'upload' | 'download' | 'scan'>;
}

export type LoggedIn =
  | { readonly ok: true; readonly user: string }
  | { readonly ok: false; readonly status: number; readonly message: string };
