import { cpuSeconds, rssBytes } from '../lib/proc-stats.js';
import { sleep, type Running } from '../lib/processes.js';
import { runAttack, type AttackOptions, type AttackTimeline } from './slowloris-attack.js';
import { startGoodClient, type GoodClientRun, type GoodTarget } from './slowloris-good-client.js';

/**
 * One phase of the slowloris section: the good clients make requests for the whole phase while
 * zero or more slowhttptest attacks run side by side (none: the baseline), and the server's memory
 * is read every second.
 */

export interface PhaseSubject {
  /** "proxy", "API": which good client and which attack belong together in the report. */
  readonly label: string;
  readonly good: GoodTarget;
  /** Left out for the baseline. */
  readonly attack?: Omit<AttackOptions, 'seconds' | 'connections' | 'dir' | 'name'>;
}

export interface PhaseResult {
  readonly phase: string;
  readonly server: string;
  readonly subjects: readonly {
    readonly label: string;
    readonly good: GoodClientRun;
    readonly attack: AttackTimeline | undefined;
  }[];
  readonly rssBeforeMiB: number;
  readonly rssPeakMiB: number;
  /** The server's CPU time over the phase, in % of one core. */
  readonly cpuPercent: number;
}

export interface PhaseOptions {
  readonly phase: string;
  readonly server: Running;
  readonly serverLabel: string;
  readonly subjects: readonly PhaseSubject[];
  readonly seconds: number;
  readonly connections: number;
  readonly dir: string;
}

const MiB = 1024 * 1024;

export async function runPhase(options: PhaseOptions): Promise<PhaseResult> {
  const rssBefore = rssBytes(options.server.pid);
  const cpuBefore = cpuSeconds(options.server.pid);
  const startedAt = performance.now();
  let rssPeak = rssBefore;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      rssPeak = Math.max(rssPeak, rssBytes(options.server.pid));
      await sleep(1000);
    }
  })();
  const clients = options.subjects.map((subject) => startGoodClient(subject.good));
  try {
    const attacks = await Promise.all(
      options.subjects.map((subject) =>
        subject.attack === undefined
          ? sleep(options.seconds * 1000).then(() => undefined)
          : runAttack({
              ...subject.attack,
              seconds: options.seconds,
              connections: options.connections,
              dir: options.dir,
              name: `${options.serverLabel}-${options.phase}-${subject.label}`.replace(/\W+/gu, '-'),
            }),
      ),
    );
    const goods = await Promise.all(clients.map((client) => client.finish()));
    const cpuPercent =
      ((cpuSeconds(options.server.pid) - cpuBefore) / ((performance.now() - startedAt) / 1000)) * 100;
    return {
      phase: options.phase,
      server: options.serverLabel,
      subjects: options.subjects.map((subject, i) => ({
        label: subject.label,
        good: goods[i]!,
        attack: attacks[i],
      })),
      rssBeforeMiB: rssBefore / MiB,
      rssPeakMiB: rssPeak / MiB,
      cpuPercent,
    };
  } finally {
    await Promise.all(clients.map((client) => client.finish()));
    sampling = false;
    await sampler;
  }
}
