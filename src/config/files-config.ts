import { isAbsolute, resolve } from 'node:path';
import { parseListenAddress } from './server-config.js';
import type { TableReader } from './table-reader.js';
import { readListenerLimits } from './listener-limits.js';
import type { ListenAddress, ListenerLimits } from './types.js';
import { parseClamdAddress, type ClamdAddress } from '../files/clamd-address.js';

export type { ClamdAddress };

/** `[files.server]`: where the plain-HTTP file listener is, and its limits. */
export interface FilesServerSettings extends ListenerLimits {
  readonly addr: ListenAddress;
}

export type ScannerDownChoice = 'refuse' | 'accept-and-log';

/** `[files]` of server.toml: the file server for XMPP uploads. Sizes in bytes, durations in ms. */
export interface FileSettings {
  /** The public path the routes live under, with both slashes: "/upload/". Never signed. */
  readonly prefix: string;
  /** The secret shared with the XMPP server; hmacUpload managers use it unless they name their own. */
  readonly secret?: string;
  /** Absolute path of the storage directory. */
  readonly storeDir: string;
  readonly maxSize: number;
  /** Uploads are refused (507) when they would leave less than this free on the store's disk. */
  readonly minFreeDisk: number;
  /** Lowercased, each starting with "."; empty: every extension. */
  readonly allowedExtensions: readonly string[];
  /** Old versions kept of a file an authenticated upload replaces. */
  readonly maxVersions: number;
  /** Files older than this are deleted; 0 = kept for ever. */
  readonly ttl: number;
  /** undefined: uploads are not scanned. */
  readonly clamd?: ClamdAddress;
  readonly onScannerDown: ScannerDownChoice;
  /** Origins browsers may upload and download from: ["*"] any, [] none. Never with credentials. */
  readonly cors: readonly string[];
  /** A plain-HTTP listener of its own, besides the API's HTTPS one. */
  readonly server?: FilesServerSettings;
}

/**
 * Defaults. maxSize is Prosody's and ejabberd's own default slot limit. cors allows every origin
 * because XMPP web clients (Converse.js, Movim) run on other origins and must PUT and GET; no
 * credentials are ever allowed, so no cookie or session of this origin is exposed.
 */
export const FILES_DEFAULTS = {
  prefix: '/upload/',
  storeDir: 'data/files',
  maxSize: 100 * 1024 * 1024,
  minFreeDisk: 100 * 1024 * 1024,
  maxVersions: 3,
  ttl: 0,
  onScannerDown: 'refuse',
  cors: ['*'],
} as const;

const SCANNER_DOWN: readonly ScannerDownChoice[] = ['refuse', 'accept-and-log'];

/** Secrets shorter than this can be found offline from one signed URL. */
const SHORT_SECRET = 16;

/** Reads `[files]`; `dir` is the configuration folder relative paths resolve against. */
export function readFiles(t: TableReader, dir: string): FileSettings {
  const secret = readSecret(t);
  const clamd = readClamd(t);
  const onScannerDown = readScannerDown(t, clamd !== undefined);
  const maxSize = t.size('maxSize') ?? FILES_DEFAULTS.maxSize;
  if (maxSize === 0) t.issues.add(t.keyPath('maxSize'), 'must be larger than 0 B');
  const settings: FileSettings = {
    prefix: readPrefix(t),
    storeDir: resolve(dir, t.string('storeDir', { nonEmpty: true }) ?? FILES_DEFAULTS.storeDir),
    maxSize,
    minFreeDisk: t.size('minFreeDisk') ?? FILES_DEFAULTS.minFreeDisk,
    allowedExtensions: readExtensions(t),
    maxVersions: t.integer('maxVersions', { min: 0, max: 1000 }) ?? FILES_DEFAULTS.maxVersions,
    ttl: t.duration('ttl') ?? FILES_DEFAULTS.ttl,
    onScannerDown,
    cors: readCors(t),
    ...(secret === undefined ? {} : { secret }),
    ...(clamd === undefined ? {} : { clamd }),
  };
  const server = readFilesServer(t);
  t.done();
  return server === undefined ? settings : { ...settings, server };
}

function readSecret(t: TableReader): string | undefined {
  const secret = t.string('secret', { nonEmpty: true });
  if (secret !== undefined && secret.length < SHORT_SECRET) {
    t.issues.warn(
      t.keyPath('secret'),
      `is shorter than ${SHORT_SECRET} characters: anyone holding one signed upload URL can try to guess it offline`,
    );
  }
  return secret;
}

/** Segments a prefix may have: what Prosody's urlencode leaves as is, so raw and decoded agree. */
const PREFIX_SEGMENT = /^[A-Za-z0-9._~-]+$/u;

function readPrefix(t: TableReader): string {
  const prefix = t.string('prefix');
  if (prefix === undefined) return FILES_DEFAULTS.prefix;
  const problem = prefixProblem(prefix);
  if (problem === undefined) return prefix;
  t.issues.add(t.keyPath('prefix'), problem);
  return FILES_DEFAULTS.prefix;
}

function prefixProblem(prefix: string): string | undefined {
  const shown = JSON.stringify(prefix);
  if (!prefix.startsWith('/') || !prefix.endsWith('/') || prefix === '/') {
    return `must be a path with a slash at each end, such as "/upload/", not ${shown} (the path of Prosody's http_upload_external_base_url, or ejabberd's put_url path plus "/")`;
  }
  const segments = prefix.slice(1, -1).split('/');
  if (segments.some((s) => !PREFIX_SEGMENT.test(s) || s === '.' || s === '..')) {
    return `may hold only letters, digits and "._~-" between single slashes, not ${shown}`;
  }
  if (segments[0] === 'api') return `must not be under /api/, which the API owns, not ${shown}`;
  return undefined;
}

function readExtensions(t: TableReader): string[] {
  const list = t.stringList('allowedExtensions') ?? [];
  const out: string[] = [];
  list.forEach((ext, i) => {
    if (/^(?:\.[^./\\\s]+)+$/u.test(ext)) out.push(ext.toLowerCase());
    else {
      t.issues.add(
        `${t.keyPath('allowedExtensions')}[${i}]`,
        `must be an extension with its dot, such as ".jpg" or ".tar.gz", not ${JSON.stringify(ext)}`,
      );
    }
  });
  return out;
}

function readClamd(t: TableReader): ClamdAddress | undefined {
  const text = t.string('clamd', { nonEmpty: true });
  if (text === undefined) return undefined;
  const addr = parseClamdAddress(text);
  // The server's working directory is no anchor for a relative socket path: only absolute ones.
  if (!('error' in addr) && (addr.kind === 'tcp' || isAbsolute(addr.path))) return addr;
  const relative = !isAbsolute(text) && !text.includes(':') ? ' (a socket path must be absolute)' : '';
  t.issues.add(
    t.keyPath('clamd'),
    `must be clamd's socket path ("/run/clamav/clamd.ctl") or host:port ("127.0.0.1:3310"), not ${JSON.stringify(text)}${relative}`,
  );
  return undefined;
}

function readScannerDown(t: TableReader, scanning: boolean): ScannerDownChoice {
  const text = t.string('onScannerDown');
  if (text === undefined) return FILES_DEFAULTS.onScannerDown;
  const choice = SCANNER_DOWN.find((c) => c === text);
  if (choice === undefined) {
    t.issues.add(
      t.keyPath('onScannerDown'),
      `must be ${SCANNER_DOWN.map((c) => JSON.stringify(c)).join(' or ')}, not ${JSON.stringify(text)}`,
    );
    return FILES_DEFAULTS.onScannerDown;
  }
  if (!scanning) t.issues.warn(t.keyPath('onScannerDown'), 'has no effect without clamd');
  return choice;
}

/** `cors = "*"`, a list of origins, or `[]` for no CORS headers at all. */
function readCors(t: TableReader): string[] {
  const list = t.stringList('cors', { allowSingle: true });
  if (list === undefined) return [...FILES_DEFAULTS.cors];
  let ok = true;
  list.forEach((origin, i) => {
    const problem = originProblem(origin);
    if (problem === undefined) return;
    t.issues.add(`${t.keyPath('cors')}[${i}]`, problem);
    ok = false;
  });
  if (ok && list.includes('*') && list.length > 1) {
    t.issues.add(t.keyPath('cors'), '"*" already allows every origin; give it alone or list origins');
  }
  return ok ? list : [...FILES_DEFAULTS.cors];
}

function originProblem(origin: string): string | undefined {
  if (origin === '*') return undefined;
  const hint = `must be "*" or an origin such as "https://chat.example.org" (no path), not ${JSON.stringify(origin)}`;
  try {
    const url = new URL(origin);
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== origin) return hint;
    return undefined;
  } catch {
    return hint;
  }
}

/** `[files.server]`: present only to open a plain-HTTP listener; then addr is required. */
function readFilesServer(t: TableReader): FilesServerSettings | undefined {
  const s = t.table('server');
  if (s === undefined) return undefined;
  const text = s.string('addr', { required: true, nonEmpty: true });
  const limits = readListenerLimits(s, false);
  s.done();
  if (text === undefined) return undefined;
  const addr = parseListenAddress(text);
  if (typeof addr === 'string') {
    s.issues.add(s.keyPath('addr'), addr);
    return undefined;
  }
  return { addr, ...limits };
}
