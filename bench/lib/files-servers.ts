import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { LOG_DIR, LOOPBACK, OUT_DIR, PROXY_CORE, REPO_DIR } from './layout.js';
import { accepts, startServer, waitForPort, type Running } from './processes.js';
import { renderConf } from './templates.js';
import { SERVER_ENV, SERVER_NODE_FLAGS } from '../../src/cli/node-flags.js';

/**
 * The two servers the file bench compares, both pinned to the server core (core 1) with curl on
 * the other: here nginx is a server under test, not the load's origin as in the proxy bench.
 */

/** Everything the file bench writes: its stores, nginx's root and temporary files. */
export const FILES_DIR = join(OUT_DIR, 'files');
export const FILES_RESULTS_FILE = join(OUT_DIR, 'files-results.json');
export const DD_DIR = join(FILES_DIR, 'dd');
export const NGINX_ROOT = join(FILES_DIR, 'nginx');
const NGINX_BODY_DIR = join(FILES_DIR, 'nginx-body');
const NGINX_RUN_DIR = join(FILES_DIR, 'run');
export const NGINX_PORT = 18180;

const PMPROXY_CONFIG_DIR = join(REPO_DIR, 'bench', 'files-config');
const PMPROXY_CLI = join(REPO_DIR, 'dist', 'cli', 'pmproxy.js');
const PMPROXY_STATE = join(FILES_DIR, 'pmproxy');
/** The store directory of bench/files-config/server.toml. */
export const PMPROXY_STORE = join(PMPROXY_STATE, 'store');

const STARTUP_MS = 30_000;

async function portFree(name: string, port: number): Promise<void> {
  if (await accepts(LOOPBACK, port)) {
    throw new Error(`${name}: port ${port} is already in use (see: ss -ltnp 'sport = :${port}')`);
  }
}

/** A fresh folder: what an earlier run left there would skew neither size nor free space. */
export function emptyDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

/** nginx with WebDAV PUT (bench/conf/nginx-files.conf.in) on an empty root. */
export async function startNginx(): Promise<Running> {
  await portFree('nginx', NGINX_PORT);
  emptyDir(NGINX_ROOT);
  emptyDir(NGINX_BODY_DIR);
  for (const dir of ['nginx-proxy', 'nginx-fastcgi', 'nginx-uwsgi', 'nginx-scgi']) {
    mkdirSync(join(NGINX_RUN_DIR, dir), { recursive: true });
  }
  mkdirSync(LOG_DIR, { recursive: true });
  const conf = renderConf('nginx-files', NGINX_PORT);
  const args = ['-c', conf, '-p', NGINX_RUN_DIR, '-e', join(LOG_DIR, 'nginx-files-error.log')];
  const nginx = startServer('nginx-files', PROXY_CORE, 'nginx', args);
  await waitForPort(nginx, LOOPBACK, NGINX_PORT, STARTUP_MS);
  return nginx;
}

/** What the bench needs to know of bench/files-config/server.toml. */
export interface PmproxyFilesConfig {
  readonly secret: string;
  readonly prefix: string;
  /** The plain-HTTP `[files.server]` listener and the HTTPS API listener. */
  readonly plainPort: number;
  readonly httpsPort: number;
  readonly proxyPort: number;
}

function portOf(addr: unknown, key: string): number {
  const m = typeof addr === 'string' ? /^127\.0\.0\.1:(\d+)$/u.exec(addr) : null;
  if (m === null) throw new Error(`bench/files-config/server.toml: ${key} must be "127.0.0.1:PORT"`);
  return Number(m[1]);
}

/** Reads the ports and the secret from the configuration pmproxy runs with, so they never disagree. */
export function pmproxyFilesConfig(): PmproxyFilesConfig {
  const toml = parse(readFileSync(join(PMPROXY_CONFIG_DIR, 'server.toml'), 'utf8'));
  const table = (parent: unknown, key: string): Record<string, unknown> => {
    const value = (parent as Record<string, unknown> | undefined)?.[key];
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  };
  const files = table(toml, 'files');
  if (typeof files.secret !== 'string') throw new Error('bench/files-config/server.toml: no [files] secret');
  return {
    secret: files.secret,
    prefix: typeof files.prefix === 'string' ? files.prefix : '/upload/',
    plainPort: portOf(table(files, 'server').addr, '[files.server] addr'),
    httpsPort: portOf(table(table(toml, 'api'), 'server').addr, '[api.server] addr'),
    proxyPort: portOf(table(table(toml, 'proxy'), 'server').addr, '[proxy.server] addr'),
  };
}

export function pmproxyMissing(): string | undefined {
  return existsSync(PMPROXY_CLI)
    ? undefined
    : 'dist/cli/pmproxy.js is missing (npm run build did not produce it)';
}

/** pmproxy from dist/ with the server's node flags, on an empty store and catalog. */
export async function startPmproxy(config: PmproxyFilesConfig): Promise<Running> {
  await portFree('pmproxy (proxy)', config.proxyPort);
  await portFree('pmproxy (HTTPS API)', config.httpsPort);
  await portFree('pmproxy (plain file listener)', config.plainPort);
  emptyDir(PMPROXY_STORE);
  for (const suffix of ['', '-wal', '-shm'])
    rmSync(join(PMPROXY_STATE, `pmproxy.db${suffix}`), { force: true });
  // Run as package.json's start script and the systemd unit run it.
  const args = [...SERVER_NODE_FLAGS, PMPROXY_CLI, '--config', PMPROXY_CONFIG_DIR];
  const proc = startServer('pmproxy-files', PROXY_CORE, process.execPath, args, {
    ...process.env,
    ...SERVER_ENV,
  });
  await waitForPort(proc, LOOPBACK, config.plainPort, STARTUP_MS);
  await waitForPort(proc, LOOPBACK, config.httpsPort, STARTUP_MS);
  return proc;
}
