import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import {
  LOAD_CORE,
  LOG_DIR,
  LOOPBACK,
  ORIGIN_PORT,
  RUN_DIR,
  SMALL_FILE,
  SMALL_FILE_BYTES,
  WWW_DIR,
} from './layout.js';
import { accepts, startServer, waitForPort, type Running } from './processes.js';
import type { Target } from './targets.js';
import { renderConf } from './templates.js';

/**
 * The origin (perf-security.md §A3.2): one nginx process on the load core serving a 128-byte file
 * and a large file of random bytes. The large file is made once (a sparse or compressible file would
 * cost nginx far more, or far less, than real content) and read once so it sits in the page cache.
 */

export const MiB = 1024 * 1024;

/** The name of the large file of `mib` MiB: "1g.real" for 1024, "256m.real" for 256. */
export function bigFileName(mib: number): string {
  return mib % 1024 === 0 ? `${mib / 1024}g.real` : `${mib}m.real`;
}

export async function prepareFiles(bigMiB: number): Promise<string> {
  mkdirSync(WWW_DIR, { recursive: true });
  writeFileSync(join(WWW_DIR, SMALL_FILE), `${'x'.repeat(SMALL_FILE_BYTES - 1)}\n`);
  const name = bigFileName(bigMiB);
  const path = join(WWW_DIR, name);
  const bytes = bigMiB * MiB;
  if (!existsSync(path) || statSync(path).size !== bytes) {
    process.stdout.write(`making ${name} (${bigMiB} MiB of /dev/urandom) once under bench/out/www …\n`);
    await pipeline(createReadStream('/dev/urandom', { end: bytes - 1 }), createWriteStream(`${path}.part`));
    renameSync(`${path}.part`, path);
  }
  // Read it once so that every target is served from the page cache.
  await pipeline(createReadStream(path), new Writable({ write: (_chunk, _enc, done) => done() }));
  return name;
}

export async function startOrigin(): Promise<Running> {
  for (const dir of ['nginx-body', 'nginx-proxy', 'nginx-fastcgi', 'nginx-uwsgi', 'nginx-scgi']) {
    mkdirSync(join(RUN_DIR, dir), { recursive: true });
  }
  mkdirSync(LOG_DIR, { recursive: true });
  if (await accepts(LOOPBACK, ORIGIN_PORT)) {
    throw new Error(
      `the origin's port ${ORIGIN_PORT} is already in use (see: ss -ltnp 'sport = :${ORIGIN_PORT}')`,
    );
  }
  const conf = renderConf('nginx', ORIGIN_PORT);
  const args = ['-c', conf, '-p', RUN_DIR, '-e', join(LOG_DIR, 'nginx-error.log')];
  const nginx = startServer('nginx', LOAD_CORE, 'nginx', args);
  await waitForPort(nginx, LOOPBACK, ORIGIN_PORT, 10_000);
  return nginx;
}

/** The origin measured as if it were a proxy target: the physical limit of this layout. */
export function directTarget(nginx: Running): Target {
  return {
    name: 'direct',
    label: 'direct (nginx origin)',
    group: 'reference',
    port: undefined,
    tunnels: false,
    credentials: undefined,
    stopSignal: 'SIGTERM',
    shared: true,
    missing: () => undefined,
    start: () => Promise.resolve(nginx),
  };
}
