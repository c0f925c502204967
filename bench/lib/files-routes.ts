import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LOOPBACK } from './layout.js';
import type { Running } from './processes.js';
import { DD_DIR, NGINX_PORT, NGINX_ROOT, PMPROXY_STORE, type PmproxyFilesConfig } from './files-servers.js';
import { curlDownload, curlUpload, dd, ddRead, type Transfer } from './files-transfers.js';
import { BLOBS_DIR } from '../../src/files/file-store.js';
import { macHex, signedMessage } from '../../src/files/signature.js';

/** One way of writing the file and reading it back: dd, nginx, or pmproxy on one listener. */
export interface FileRoute {
  readonly name: string;
  readonly label: string;
  /** The process whose CPU and memory are read from /proc; undefined: dd, which reports its own. */
  server(): Running | undefined;
  /** Stores the source file under `name`. */
  upload(name: string): Promise<Transfer>;
  /** Reads back what was stored under `name`; undefined when the route has no read of its own. */
  readonly download: ((name: string) => Promise<Transfer>) | undefined;
  /** Deletes what upload(name) stored, so that the disk holds at most one copy at a time. */
  remove(name: string): void;
  /** What a successful upload answers. */
  readonly uploadStatuses: readonly number[];
}

export interface RouteContext {
  /** The source file and its size. */
  readonly source: string;
  readonly bytes: number;
  /** Seconds after which one transfer is given up. */
  readonly maxSeconds: number;
}

/**
 * dd writing the bytes to a new file and reading them back. Without fsync, as pmproxy and nginx
 * write: all three leave the data in the page cache for the kernel to write back later. With
 * `conv=fsync` it is the disk's own speed, shown for context only.
 */
export function ddRoute(context: RouteContext, fsync: boolean): FileRoute {
  const file = (name: string) => join(DD_DIR, name);
  return {
    name: fsync ? 'dd-fsync' : 'dd',
    label: fsync ? 'dd conv=fsync (disk, context)' : 'dd (page cache, no fsync)',
    server: () => undefined,
    upload: (name) => dd(context.source, file(name), fsync, context.maxSeconds),
    download: fsync ? undefined : (name) => ddRead(file(name), context.maxSeconds),
    remove: (name) => rmSync(file(name), { force: true }),
    uploadStatuses: [0],
  };
}

/** nginx's WebDAV PUT (a temporary file renamed into place) and its GET (sendfile). */
export function nginxRoute(context: RouteContext, server: () => Running | undefined): FileRoute {
  const url = (name: string) => `http://${LOOPBACK}:${NGINX_PORT}/${name}`;
  const curl = { flags: [], maxSeconds: context.maxSeconds };
  return {
    name: 'nginx',
    label: 'nginx (WebDAV PUT, sendfile GET)',
    server,
    upload: (name) => curlUpload(context.source, url(name), curl),
    download: (name) => curlDownload(url(name), curl),
    remove: (name) => rmSync(join(NGINX_ROOT, name), { force: true }),
    uploadStatuses: [201, 204],
  };
}

/** The folder of the store the bench uploads into: `/upload/bench/<name>`. */
const PMPROXY_FOLDER = 'bench';

/** How the bench reaches pmproxy: its plain `[files.server]` listener, or the HTTPS API listener. */
export type PmproxyListener = 'plain' | 'https-h2' | 'https-h1';

const LISTENERS: Record<PmproxyListener, { readonly label: string; readonly curlFlags: readonly string[] }> =
  {
    plain: { label: 'pmproxy, plain [files.server]', curlFlags: [] },
    // What browsers and curl choose over TLS when the server offers it (ALPN).
    'https-h2': { label: 'pmproxy, HTTPS, HTTP/2', curlFlags: ['-k', '--http2'] },
    'https-h1': { label: 'pmproxy, HTTPS, HTTP/1.1', curlFlags: ['-k', '--http1.1'] },
  };

/**
 * pmproxy's signed PUT (XMPP v1: HMAC-SHA-256 of "path size", as Prosody and ejabberd sign) and its
 * GET, on one of its listeners.
 */
export function pmproxyRoute(
  context: RouteContext,
  config: PmproxyFilesConfig,
  listener: PmproxyListener,
  server: () => Running | undefined,
): FileRoute {
  const base =
    listener === 'plain'
      ? `http://${LOOPBACK}:${config.plainPort}`
      : `https://${LOOPBACK}:${config.httpsPort}`;
  const curl = { flags: LISTENERS[listener].curlFlags, maxSeconds: context.maxSeconds };
  const downloadUrl = (name: string) => `${base}${config.prefix}${PMPROXY_FOLDER}/${name}`;
  const uploadUrl = (name: string) => {
    const signature = macHex(config.secret, signedMessage('v', `${PMPROXY_FOLDER}/${name}`, context.bytes));
    return `${downloadUrl(name)}?v=${signature}`;
  };
  return {
    name: listener === 'plain' ? 'pmproxy' : `pmproxy-${listener}`,
    label: LISTENERS[listener].label,
    server,
    upload: (name) => curlUpload(context.source, uploadUrl(name), curl),
    download: (name) => curlDownload(downloadUrl(name), curl),
    remove: (name) => {
      // The name and its content's blob are two links to one inode: both go, so that the next
      // upload of the same bytes stores them afresh. The catalog keeps its record of the old name,
      // which no later run reuses (names are new each time) and the next bench start wipes.
      rmSync(join(PMPROXY_STORE, PMPROXY_FOLDER, name), { force: true });
      rmSync(join(PMPROXY_STORE, BLOBS_DIR), { recursive: true, force: true });
    },
    uploadStatuses: [201],
  };
}
