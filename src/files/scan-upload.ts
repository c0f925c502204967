import { createReadStream } from 'node:fs';
import type { FileSettings } from '../config/files-config.js';
import { ClamdClient } from './clamd.js';
import type { ScanResult } from './scan-result.js';

/** What scanning decided about a received upload, and clamd's verdict (none without `[files] clamd`). */
export type ScanOutcome = { readonly verdict?: ScanResult['verdict'] } & (
  | { readonly accept: true; readonly unscanned?: string }
  | { readonly accept: false; readonly status: number; readonly message: string; readonly logged: string }
);

/**
 * The status for an infected upload. 422: the request was well formed and signed, but its content
 * is refused; a client retrying the same bytes gets the same answer (unlike 503).
 */
export const INFECTED_STATUS = 422;

/**
 * Scans the complete temporary file with clamd's INSTREAM before it becomes visible. Only when clamd
 * cannot be reached at all does `onScannerDown` decide; any other failure to get a verdict (a file
 * over clamd's StreamMaxLength, a timeout once connected) refuses the upload, since accepting it would
 * serve unscanned bytes while the admin believes everything is scanned.
 */
export async function scanUpload(temp: string, files: FileSettings): Promise<ScanOutcome> {
  if (files.clamd === undefined) return { accept: true };
  const result = await new ClamdClient(files.clamd).scan(createReadStream(temp));
  return { ...decide(result, files), verdict: result.verdict };
}

function decide(result: ScanResult, files: FileSettings): ScanOutcome {
  switch (result.verdict) {
    case 'clean':
      return { accept: true };
    case 'infected':
      return {
        accept: false,
        status: INFECTED_STATUS,
        message: `the virus scanner found ${result.signature} in this file`,
        logged: `infected: ${result.signature}`,
      };
    case 'unreachable':
      if (files.onScannerDown === 'accept-and-log') return { accept: true, unscanned: result.reason };
      return {
        accept: false,
        status: 503,
        message: 'the virus scanner is not available; try again later',
        logged: `scanner down: ${result.reason}`,
      };
    case 'error':
      if (/size limit exceeded|StreamMaxLength/u.test(result.reason)) {
        return {
          accept: false,
          status: 413,
          message: 'larger than the virus scanner accepts',
          logged: `not scanned: ${result.reason}`,
        };
      }
      return {
        accept: false,
        status: 503,
        message: 'the virus scanner could not check this file; try again later',
        logged: `not scanned: ${result.reason}`,
      };
  }
}
