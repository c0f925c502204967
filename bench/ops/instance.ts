import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVER_ENV, SERVER_NODE_FLAGS } from '../../src/cli/node-flags.js';
import {
  BENCH_DIR,
  LOAD_CORE,
  LOG_DIR,
  LOOPBACK,
  OUT_DIR,
  PROXY_CORE,
  REPO_DIR,
  RUN_DIR,
} from '../lib/layout.js';
import { accepts, startServer, waitForPort, type Running } from '../lib/processes.js';
import type { OpsPorts } from './ports.js';

/**
 * pmproxy and the nginx origin as a section of `npm run bench:ops` runs them: bench/config
 * (proxy authentication and a download quota on every request) moved to the section's ports, with a
 * store and a folder of its own under bench/out/ops/<section>/.
 */

export const OPS_DIR = join(OUT_DIR, 'ops');
export const PMPROXY_CLI = join(REPO_DIR, 'dist', 'cli', 'pmproxy.js');
export const CREDENTIALS = 'bench:bench-password';

export interface OpsConfig {
  readonly section: string;
  readonly dir: string;
  readonly storePath: string;
  readonly ports: OpsPorts;
}

export interface ConfigEdits {
  /** Changes server.toml's text after the ports and paths are set (add [files], [log] …). */
  readonly server?: (toml: string) => string;
  /** Replaces managers.toml's text (bench/config's by default). */
  readonly managers?: string;
  /** Where the store goes instead of bench/out/ops/<section>/pmproxy.db (a small tmpfs …). */
  readonly storePath?: string;
}

/** bench/config rewritten for `ports` into bench/out/ops/<section>/config, with an empty store. */
export function opsConfig(section: string, ports: OpsPorts, edits: ConfigEdits = {}): OpsConfig {
  const dir = join(OPS_DIR, section, 'config');
  mkdirSync(dir, { recursive: true });
  const storePath = edits.storePath ?? join(OPS_DIR, section, 'pmproxy.db');
  const source = join(BENCH_DIR, 'config');
  let server = readFileSync(join(source, 'server.toml'), 'utf8')
    // Paths in bench/config are relative to it; this folder is elsewhere.
    .replaceAll('"../out/', `"${OUT_DIR}/`)
    .replace('connectPorts = [18080]', `connectPorts = [${ports.origin}]`)
    .replace('127.0.0.1:18081', `${LOOPBACK}:${ports.proxy}`)
    .replace('127.0.0.1:18443', `${LOOPBACK}:${ports.api}`)
    .replace(/^\s*path = .*$/mu, `  path = ${JSON.stringify(storePath)}`);
  for (const port of [ports.origin, ports.proxy, ports.api]) {
    if (!server.includes(String(port))) {
      throw new Error(`bench/config/server.toml changed shape: port ${port} was not set in it`);
    }
  }
  if (edits.server !== undefined) server = edits.server(server);
  writeFileSync(join(dir, 'server.toml'), server);
  writeFileSync(
    join(dir, 'managers.toml'),
    edits.managers ?? readFileSync(join(source, 'managers.toml'), 'utf8'),
  );
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${storePath}${suffix}`, { force: true });
  return { section, dir, storePath, ports };
}

/** bench/config's managers.toml, for sections that change it (a reload) and write it back. */
export function benchManagers(): string {
  return readFileSync(join(BENCH_DIR, 'config', 'managers.toml'), 'utf8');
}

/** pmproxy's command line as the systemd unit runs it, for sections that start it their own way. */
export function pmproxyCommand(config: OpsConfig): {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
} {
  return {
    command: process.execPath,
    args: [...SERVER_NODE_FLAGS, PMPROXY_CLI, '--config', config.dir],
    env: { ...process.env, ...SERVER_ENV },
  };
}

/** Starts pmproxy on the proxy core; resolves once its proxy listener accepts connections. */
export async function startPmproxy(config: OpsConfig, name = `pmproxy-${config.section}`): Promise<Running> {
  for (const port of [config.ports.proxy, config.ports.api]) {
    if (await accepts(LOOPBACK, port)) throw new Error(`${name}: port ${port} is already in use`);
  }
  const { command, args, env } = pmproxyCommand(config);
  const proc = startServer(name, PROXY_CORE, command, args, env);
  await waitForPort(proc, LOOPBACK, config.ports.proxy, 30_000);
  return proc;
}

/**
 * The bench's nginx origin (bench/conf/nginx.conf.in, serving bench/out/www) on `port`, on the load
 * core, under the name `name` (its config, pid file and error log are named after it).
 */
export async function startOriginOn(name: string, port: number): Promise<Running> {
  if (await accepts(LOOPBACK, port)) throw new Error(`${name}: port ${port} is already in use`);
  for (const dir of ['nginx-body', 'nginx-proxy', 'nginx-fastcgi', 'nginx-uwsgi', 'nginx-scgi']) {
    mkdirSync(join(RUN_DIR, dir), { recursive: true });
  }
  mkdirSync(LOG_DIR, { recursive: true });
  const conf = join(RUN_DIR, `${name}.conf`);
  const template = readFileSync(join(BENCH_DIR, 'conf', 'nginx.conf.in'), 'utf8');
  writeFileSync(
    conf,
    template
      .replaceAll('{{out}}', OUT_DIR)
      .replaceAll('{{originPort}}', String(port))
      .replace('/run/nginx.pid', `/run/${name}.pid`)
      .replace('/logs/nginx-error.log', `/logs/${name}-error.log`),
  );
  const args = ['-c', conf, '-p', RUN_DIR, '-e', join(LOG_DIR, `${name}-error.log`)];
  const nginx = startServer(name, LOAD_CORE, 'nginx', args);
  await waitForPort(nginx, LOOPBACK, port, 10_000);
  return nginx;
}
