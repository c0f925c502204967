import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVER_ENV, SERVER_NODE_FLAGS } from '../../src/cli/node-flags.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { BENCH_DIR, LOAD_CORE, LOOPBACK, OUT_DIR, PROXY_CORE, REPO_DIR } from './layout.js';
import { accepts, runCaptured, startServer, waitForPort, type Running } from './processes.js';
import { startOriginOn } from '../ops/instance.js';

/**
 * pmproxy as `npm run bench` runs it (bench/config: proxy authentication and a download quota),
 * from dist/, with `[store] consumptionInterval` set per variant and a store of its own under
 * bench/out/crash/. The configuration is derived from bench/config/, so whatever that gains (an
 * allow-list for the loopback origin …) applies here too. Its ports, and the origin's, are moved
 * 200 up from the proxy bench's, so a pmproxy or nginx left on those does not stand in for these.
 */

export const CRASH_DIR = join(OUT_DIR, 'crash');
const PMPROXY_CLI = join(REPO_DIR, 'dist', 'cli', 'pmproxy.js');
export const PROXY_PORT = 18281;
const API_PORT = 18643;
export const ORIGIN_PORT = 18280;
export const CREDENTIALS = 'bench:bench-password';
/** The account bench/config's dwnConsR charges: manager "down", user "bench". */
const MANAGER = 'down';
const USER = 'bench';

export interface CrashConfig {
  readonly label: string;
  readonly dir: string;
  readonly storePath: string;
}

export function pmproxyMissing(): string | undefined {
  return existsSync(PMPROXY_CLI)
    ? undefined
    : 'dist/cli/pmproxy.js is missing (npm run build did not produce it)';
}

/** A configuration folder for one consumptionInterval ("1s", "60s"), with an empty store. */
export function crashConfig(interval: string): CrashConfig {
  const dir = join(CRASH_DIR, `config-${interval}`);
  mkdirSync(dir, { recursive: true });
  const storePath = join(dir, 'pmproxy.db');
  const source = join(BENCH_DIR, 'config');
  const server = readFileSync(join(source, 'server.toml'), 'utf8')
    // Paths in bench/config are relative to it; this folder is elsewhere.
    .replaceAll('"../out/', `"${OUT_DIR}/`)
    .replace('127.0.0.1:18081', `${LOOPBACK}:${PROXY_PORT}`)
    .replace('127.0.0.1:18443', `${LOOPBACK}:${API_PORT}`)
    .replace(/^\s*path = .*$/mu, `  path = ${JSON.stringify(storePath)}`)
    .replace(/^\[store\]\s*$/mu, `[store]\n  consumptionInterval = "${interval}"`);
  if (!server.includes(`consumptionInterval = "${interval}"`) || !server.includes(`:${PROXY_PORT}"`)) {
    throw new Error('bench/config/server.toml changed shape: no [store] table or no proxy address 18081');
  }
  writeFileSync(join(dir, 'server.toml'), server);
  writeFileSync(join(dir, 'managers.toml'), readFileSync(join(source, 'managers.toml'), 'utf8'));
  emptyStore(storePath);
  return { label: `consumptionInterval ${interval}`, dir, storePath };
}

export function emptyStore(storePath: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${storePath}${suffix}`, { force: true });
}

/** Starts pmproxy on the proxy core, as the systemd unit runs it; resolves once it listens. */
export async function startPmproxy(config: CrashConfig, name: string): Promise<Running> {
  for (const port of [PROXY_PORT, API_PORT]) {
    if (await accepts(LOOPBACK, port)) throw new Error(`port ${port} is already in use`);
  }
  const args = [...SERVER_NODE_FLAGS, PMPROXY_CLI, '--config', config.dir];
  const proc = startServer(name, PROXY_CORE, process.execPath, args, { ...process.env, ...SERVER_ENV });
  await waitForPort(proc, LOOPBACK, PROXY_PORT, 30_000);
  return proc;
}

/**
 * What the store holds for the bench user, read as a second process (the admin CLI) would; any
 * configuration with a store path will do (bench:ops's too).
 */
export function persistedBytes(config: Pick<CrashConfig, 'storePath'>): number {
  const store = SqliteStore.open(config.storePath);
  try {
    return store.consumption(MANAGER, 0).get(USER) ?? 0;
  } finally {
    store.close();
  }
}

/** The proxy bench's nginx origin (bench/conf/nginx.conf.in) on ORIGIN_PORT, on the load core. */
export function startOrigin(): Promise<Running> {
  return startOriginOn('nginx-crash', ORIGIN_PORT);
}

/** `curl -x` of `file` from the origin through pmproxy, on the load core: the bytes it got. */
export async function getThrough(file: string): Promise<{ status: number; bytes: number }> {
  const args = ['-s', '-o', '/dev/null', '--max-time', '300', '-w', '%{http_code} %{size_download}'];
  args.push('-x', `http://${LOOPBACK}:${PROXY_PORT}`, '--proxy-user', CREDENTIALS);
  args.push(`http://${LOOPBACK}:${ORIGIN_PORT}/${file}`);
  const out = await runCaptured('curl', LOAD_CORE, 'curl', args, 310_000);
  const [status, bytes] = out.stdout.trim().split(' ').map(Number);
  if (status === undefined || bytes === undefined)
    throw new Error(`curl failed (${out.code}): ${out.stderr}`);
  return { status, bytes };
}
