import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LOOPBACK, OUT_DIR, PROXY_CORE, REPO_DIR } from './layout.js';
import { accepts, startServer, waitForPort, type Running } from './processes.js';
import { renderConf, writableDirFor } from './templates.js';
import { SERVER_ENV, SERVER_NODE_FLAGS } from '../../src/cli/node-flags.js';

/** Something the bench measures: a proxy on loopback, or the origin itself ("direct"). */
export interface Target {
  readonly name: string;
  readonly label: string;
  /** Which table rows it belongs to: the reference, the product, or a candidate core. */
  readonly group: 'reference' | 'product' | 'alternative';
  /** The proxy's port; undefined for direct. */
  readonly port: number | undefined;
  /** Whether it does CONNECT. */
  readonly tunnels: boolean;
  /** user:password it requires (Proxy-Authorization: Basic). */
  readonly credentials: string | undefined;
  /** Why it cannot run here (a missing program, an unbuilt server), or undefined. */
  missing(): string | undefined;
  /** Starts a fresh instance pinned to the proxy core; resolves once it accepts connections. */
  start(): Promise<Running>;
  /** The signal that stops it at once. */
  readonly stopSignal: NodeJS.Signals;
  /** Set for the origin itself: started once by the runner, never stopped or restarted by a suite. */
  readonly shared?: true;
}

const STARTUP_MS = 30_000;

function installed(program: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function listening(proc: Running, port: number): Promise<Running> {
  await waitForPort(proc, LOOPBACK, port, STARTUP_MS);
  return proc;
}

async function portFree(name: string, port: number): Promise<void> {
  if (await accepts(LOOPBACK, port)) {
    throw new Error(`${name}: port ${port} is already in use (see: ss -ltnp 'sport = :${port}')`);
  }
}

export const squid: Target = {
  name: 'squid',
  label: 'Squid 5.7',
  group: 'reference',
  port: 13128,
  tunnels: true,
  credentials: undefined,
  stopSignal: 'SIGINT',
  missing: () => (installed('squid') ? undefined : 'squid is not installed (apt-get install squid)'),
  async start() {
    await portFree('squid', this.port!);
    writableDirFor('squid', 'proxy', 'proxy');
    const conf = renderConf('squid', this.port!);
    return listening(startServer('squid', PROXY_CORE, 'squid', ['-N', '-f', conf]), this.port!);
  },
};

export const tinyproxy: Target = {
  name: 'tinyproxy',
  label: 'tinyproxy 1.11',
  group: 'alternative',
  port: 18888,
  tunnels: true,
  credentials: undefined,
  stopSignal: 'SIGTERM',
  missing: () =>
    installed('tinyproxy') ? undefined : 'tinyproxy is not installed (apt-get install tinyproxy)',
  async start() {
    await portFree('tinyproxy', this.port!);
    writableDirFor('tinyproxy', 'nobody', 'nogroup');
    const conf = renderConf('tinyproxy', this.port!);
    return listening(startServer('tinyproxy', PROXY_CORE, 'tinyproxy', ['-d', '-c', conf]), this.port!);
  },
};

const PMPROXY_CLI = join(REPO_DIR, 'dist', 'cli', 'pmproxy.js');
const PMPROXY_STATE = join(OUT_DIR, 'pmproxy');

/** pmproxy as built by `npm run build`, with proxy authentication and a download quota (bench/config). */
export const pmproxy: Target = {
  name: 'pmproxy',
  label: 'pmproxy (auth ∧ down)',
  group: 'product',
  port: 18081,
  tunnels: true,
  credentials: 'bench:bench-password',
  stopSignal: 'SIGTERM',
  missing: () =>
    existsSync(PMPROXY_CLI) ? undefined : 'dist/cli/pmproxy.js is missing (npm run build did not produce it)',
  async start() {
    await portFree('pmproxy', this.port!);
    await portFree('pmproxy (API)', 18443);
    mkdirSync(PMPROXY_STATE, { recursive: true });
    // Every start counts from an empty store, so that repeated benches never approach the quota.
    for (const suffix of ['', '-wal', '-shm'])
      rmSync(join(PMPROXY_STATE, `pmproxy.db${suffix}`), { force: true });
    // Run as package.json's start script and the systemd unit run it.
    const args = [...SERVER_NODE_FLAGS, PMPROXY_CLI, '--config', 'bench/config'];
    return listening(
      startServer('pmproxy', PROXY_CORE, process.execPath, args, { ...process.env, ...SERVER_ENV }),
      this.port!,
    );
  },
};

/** One of the small reference proxies in bench/alternatives/, run from source with tsx. */
function nodeAlternative(name: string, label: string, port: number, tunnels: boolean): Target {
  return {
    name,
    label,
    group: 'alternative',
    port,
    tunnels,
    credentials: undefined,
    stopSignal: 'SIGTERM',
    missing: () => undefined,
    async start() {
      await portFree(name, port);
      const args = ['--import', 'tsx', join('bench', 'alternatives', `${name}.ts`), String(port)];
      return listening(startServer(name, PROXY_CORE, process.execPath, args), port);
    },
  };
}

export const nodeMin = nodeAlternative('node-min', 'node:http + net (node-min)', 18091, true);
export const proxyChain = nodeAlternative('proxy-chain', 'proxy-chain 3 (defaults)', 18092, true);
export const httpProxy = nodeAlternative('http-proxy', 'http-proxy 1.18 (keep-alive agent)', 18093, false);

/** The targets of a run, in the order they are measured and printed (direct is added by the runner). */
export function chooseTargets(alternatives: boolean, only: readonly string[] | undefined): Target[] {
  const all = [squid, pmproxy, ...(alternatives ? [nodeMin, proxyChain, httpProxy, tinyproxy] : [])];
  if (only === undefined) return all;
  const every = [squid, pmproxy, nodeMin, proxyChain, httpProxy, tinyproxy];
  return only.map((name) => {
    const target = every.find((t) => t.name === name);
    if (target === undefined) {
      throw new Error(`--only: no target "${name}" (known: direct, ${every.map((t) => t.name).join(', ')})`);
    }
    return target;
  });
}
