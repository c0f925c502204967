import type { HmacUploadConfig } from '../managers/hmac-upload.js';
import type { Issues } from './issues.js';
import type { ManagerEntry } from './managers-config.js';
import type { ServerConfig } from './types.js';

/**
 * Checks between managers.toml and server.toml for the file server: every `[[hmacUpload]]` needs a
 * secret (its own, or `[files] secret`), and a file server to sign for. Found at load time, so a
 * server never starts (or reloads) into refusing every upload for a reason only the logs would tell.
 */
export function checkFilesAcrossFiles(
  managers: readonly ManagerEntry[],
  server: ServerConfig,
  managersIssues: Issues,
): void {
  let index = 0;
  for (const entry of managers) {
    if (entry.kind.kind !== 'hmacUpload') continue;
    const at = `hmacUpload[${index++}]`;
    if (server.files === undefined) {
      managersIssues.add(
        at,
        `"${entry.name}" checks upload signatures, but server.toml has no [files] table: there is no file server to upload to`,
      );
      continue;
    }
    const own = (entry.config as HmacUploadConfig).secret;
    if (own === undefined && server.files.secret === undefined) {
      managersIssues.add(
        `${at}.secret`,
        `is missing: "${entry.name}" needs the secret the XMPP server signs with, here or as secret in [files] of server.toml`,
      );
    }
  }
}
