import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import { join, relative } from 'node:path';
import { macHex, signedMessage } from '../../src/files/signature.js';
import { BLOBS_DIR } from '../../src/files/file-store.js';
import { INCOMING_DIR } from '../../src/files/receive-upload.js';
import { LOOPBACK } from '../lib/layout.js';
import { benchManagers } from './instance.js';

/**
 * pmproxy's file server as the kill and store sections run it: bench/config's proxy plus a `[files]`
 * table with a plain-HTTP listener, and uploads signed as an XMPP server signs them (Prosody's v1
 * HMAC, src/files/signature.ts), so the bench hands itself the URLs Prosody would hand a client.
 */

/** Loopback only, made up for the bench. */
const SECRET = 'pmproxy ops bench upload secret, loopback only';
const PREFIX = '/upload/';

/** server.toml's edit: a file server over `storeDir`, its plain listener on `port`. */
export function withFileServer(storeDir: string, port: number): (toml: string) => string {
  return (toml) => `${toml}
[files]
  secret = ${JSON.stringify(SECRET)}
  storeDir = ${JSON.stringify(storeDir)}
  maxSize = "256 MB"
  # 0: the sections fill the disk on purpose, and want to see what a write that does not fit does.
  minFreeDisk = "0"

  [files.server]
    addr = "${LOOPBACK}:${port}"
`;
}

/** bench/config's managers.toml, with signed uploads allowed (the proxy's rule unchanged). */
export function managersWithSignedUploads(managers = benchManagers()): string {
  return `${managers}
[policy]
  upload = "signed"

[[hmacUpload]]
  name = "signed"
`;
}

/** The PUT path an XMPP server hands out for `name` of `size` bytes (no characters to escape). */
export function signedUploadPath(name: string, size: number): string {
  const mac = macHex(SECRET, signedMessage('v', name, size));
  return `${PREFIX}${name}?v=${mac}`;
}

export interface Fetched {
  readonly status: number;
  readonly bytes: number;
  readonly sha256: string;
}

/** GET of an uploaded `name` from the plain listener on `port`: its status, size and digest. */
export function getUpload(port: number, name: string): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: LOOPBACK, port, path: `${PREFIX}${name}`, agent: false }, (res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        hash.update(chunk);
      });
      res.once('end', () => resolve({ status: res.statusCode ?? 0, bytes, sha256: hash.digest('hex') }));
      res.once('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.once('error', reject);
  });
}

export interface StoreDirContents {
  /** Files under their upload names (relative paths): what a GET can reach. */
  readonly visible: readonly string[];
  /** Content files in .blobs, which the names are links to. */
  readonly blobs: number;
  /** Temporary files in the store's .incoming folder (unfinished uploads, never served). */
  readonly temporary: number;
}

/** What the store folder holds, walked as the operator's `find` would. */
export function storeDirContents(storeDir: string): StoreDirContents {
  const visible: string[] = [];
  const count = (dir: string): number =>
    existsSync(dir)
      ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length
      : 0;
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const hidden = dir === storeDir && (entry.name === INCOMING_DIR || entry.name === BLOBS_DIR);
      if (hidden) continue;
      if (entry.isDirectory()) walk(path);
      else visible.push(relative(storeDir, path));
    }
  };
  walk(storeDir);
  return {
    visible,
    blobs: count(join(storeDir, BLOBS_DIR)),
    temporary: count(join(storeDir, INCOMING_DIR)),
  };
}
