import { persistedBytes } from '../lib/crash-servers.js';
import { fetchThrough, pacedOrigin } from '../lib/paced-download.js';
import { sleep, stop, type Running } from '../lib/processes.js';
import { CREDENTIALS, startOriginOn, startPmproxy, type OpsConfig } from './instance.js';
import { lostTraffic, type LostTraffic } from './lost-traffic.js';
import { phase, startProbes, type PhaseFigures } from './store-probe.js';

/**
 * What both store faults run pmproxy under: the nginx origin for the probes (store-probe.ts), a
 * paced download charged to the bench user's quota all along, a warm-up first (a fresh process
 * answers slowly for its first seconds, bench/README.md: not the fault's doing). The fault itself
 * is the caller's; it marks when it starts and ends, and the figures are cut at those marks.
 */

export type Phases = Readonly<Record<'before' | 'during' | 'after', PhaseFigures>>;

export interface FaultRun {
  readonly proxied: Phases;
  readonly logins: Phases;
  /** pmproxy still running once the load had stopped. */
  readonly alive: boolean;
  /** The download's bytes against what the store holds once the last flush has run. */
  readonly consumption: LostTraffic;
}

export interface StoreLoad {
  readonly pmproxy: Running;
  faultStarts(): void;
  faultEnds(): void;
  /** Stops the probes and the download, lets the last flush run, reads the store. */
  finish(): Promise<FaultRun>;
}

export interface LoadPlan {
  readonly config: OpsConfig;
  readonly name: string;
  readonly downloadRate: number;
  readonly warmUpSeconds: number;
}

/** Runs `fault` against pmproxy under the load; stops everything however it ends. */
export async function underLoad<T>(plan: LoadPlan, fault: (load: StoreLoad) => Promise<T>): Promise<T> {
  const { ports } = plan.config;
  const origin = await pacedOrigin(plan.downloadRate);
  const started: Running[] = [];
  try {
    started.push(await startOriginOn('origin-store', ports.origin));
    const pmproxy = await startPmproxy(plan.config, plan.name);
    started.push(pmproxy);
    const download = fetchThrough(ports.proxy, CREDENTIALS, origin.url, {
      seconds: 0,
      then: () => undefined,
    });
    const probes = startProbes(ports);
    await sleep(plan.warmUpSeconds * 1000);
    const marks = { before: performance.now(), during: NaN, after: NaN };
    return await fault({
      pmproxy,
      faultStarts: () => (marks.during = performance.now()),
      faultEnds: () => (marks.after = performance.now()),
      async finish() {
        const end = performance.now();
        await probes.finish();
        origin.close();
        const delivered = await download;
        // The last flush of what was charged before the download ended (one a second).
        await sleep(2500);
        const cut = (samples: typeof probes.proxied): Phases => ({
          before: phase(samples, marks.before, marks.during),
          during: phase(samples, marks.during, marks.after),
          after: phase(samples, marks.after, end),
        });
        return {
          proxied: cut(probes.proxied),
          logins: cut(probes.logins),
          alive: pmproxy.child.exitCode === null && pmproxy.child.signalCode === null,
          consumption: lostTraffic([delivered], persistedBytes(plan.config)),
        };
      },
    });
  } finally {
    origin.close();
    for (const proc of started.reverse()) await stop(proc);
  }
}
