import http from 'node:http';
import { sleep } from '../lib/processes.js';
import { benchManagers } from './instance.js';
import type { OpsPorts } from './ports.js';
import { apiLogin, proxiedGet, type Probe, type ProxyTarget } from './probe-requests.js';

/**
 * The client that keeps using pmproxy while its store is in trouble: keep-alive proxied GETs of the
 * small file (a few workers, a short pause each) and a login on the API now and then, every one
 * timed. Phases are cut out of the samples afterwards by time.
 */

export interface ProbeLoad {
  readonly proxied: Probe[];
  readonly logins: Probe[];
  /** Stops after the requests in flight. */
  finish(): Promise<void>;
}

/** The probes log in and proxy as a user of their own, so the download's account is the download's alone. */
const PROBE_USER = 'probe';
/** bench/config's password: the probe user is given the bench user's hash. */
const PROBE_PASSWORD = 'bench-password';

/** bench/config's users and quota, a second user for the probes, and a session manager to log in to. */
export function probeManagers(base = benchManagers()): string {
  const managers = base
    .replace(/^(\s*)bench = ("\$argon2id[^"]*")$/mu, `$&\n$1${PROBE_USER} = $2`)
    .replace(/^(\s*)bench = \["bench"\]$/mu, `$&\n$1${PROBE_USER} = ["bench"]`);
  if (!managers.includes(`${PROBE_USER} = "$argon2id`) || !managers.includes(`${PROBE_USER} = ["bench"]`)) {
    throw new Error('bench/config/managers.toml changed shape: the bench user was not found');
  }
  return `${managers}
[[sessionIPM]]
  name = "sessions"
  auth = "users"
  idleTimeout = "30m"
  lifetime = "2h"
`;
}

const WORKERS = 4;
/** Per worker: about 100 proxied requests a second in all. */
const PAUSE_MS = 40;
/** A login runs argon2 (about 0.3 s of the proxy's core): one a second leaves the core to the rest. */
const LOGIN_PAUSE_MS = 1000;

/** The probes against pmproxy on `ports` (its configuration made with probeManagers()). */
export function startProbes(ports: OpsPorts): ProbeLoad {
  const target: ProxyTarget = {
    proxyPort: ports.proxy,
    originPort: ports.origin,
    credentials: `${PROBE_USER}:${PROBE_PASSWORD}`,
  };
  const proxied: Probe[] = [];
  const logins: Probe[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: WORKERS });
  let running = true;
  const loop = async (pauseMs: number, once: () => Promise<Probe>, into: Probe[]) => {
    while (running) {
      into.push(await once());
      await sleep(pauseMs);
    }
  };
  const loops = [
    ...Array.from({ length: WORKERS }, () => loop(PAUSE_MS, () => proxiedGet(target, agent), proxied)),
    loop(LOGIN_PAUSE_MS, () => apiLogin(ports.api, PROBE_USER, PROBE_PASSWORD, 'sessions'), logins),
  ];
  return {
    proxied,
    logins,
    async finish() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}

export interface PhaseFigures {
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Outcomes other than 200, by status or error code. */
  readonly failures: Record<string, number>;
  /** What the client was told, one example per outcome other than 200. */
  readonly said: Record<string, string>;
}

/** The samples sent between `from` and `to` (performance.now()), summed up. */
export function phase(samples: readonly Probe[], from: number, to: number): PhaseFigures {
  const inPhase = samples.filter((s) => s.at >= from && s.at < to);
  const sorted = inPhase.map((s) => s.ms).sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  const failures: Record<string, number> = {};
  const said: Record<string, string> = {};
  for (const sample of inPhase) {
    if (sample.outcome === 200) continue;
    const key = String(sample.outcome);
    failures[key] = (failures[key] ?? 0) + 1;
    if (sample.said !== undefined) said[key] ??= sample.said.replace(/\s+/gu, ' ').trim();
  }
  return {
    requests: inPhase.length,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: sorted.at(-1) ?? NaN,
    failures,
    said,
  };
}
