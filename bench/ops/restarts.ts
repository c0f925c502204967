import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOOPBACK, SMALL_FILE, WWW_DIR } from '../lib/layout.js';
import { prepareFiles } from '../lib/origin.js';
import { sleep, stop } from '../lib/processes.js';
import { table } from '../lib/report.js';
import { summarize } from '../lib/stats.js';
import { CREDENTIALS, opsConfig, startOriginOn, type OpsConfig } from './instance.js';
import { portsFor } from './ports.js';
import { startNewConnectionLoop, type LoopCounts } from './restart-loop.js';
import { supervise, type SupervisorEvent } from './restart-supervision.js';
import { verdict, type OpsSection, type SectionResult } from './section.js';

/**
 * Restarts under a new-connection loop: pmproxy stopped (SIGTERM) and started again N times by a
 * supervisor, once holding the listening sockets across the restarts as systemd's pmproxy.socket
 * does, once with pmproxy binding its own port, to show what socket activation saves.
 */

const LOOP_PER_SECOND = 300;

interface ModeResult {
  readonly mode: string;
  readonly counts: LoopCounts;
  /** The kernel's TcpExt ListenOverflows over the mode: for the whole machine, other benches too. */
  readonly listenOverflows: number;
  /** Per restart: SIGTERM to exit, start to READY=1, SIGTERM to the next READY=1 (seconds). */
  readonly stopSeconds: number[];
  readonly startSeconds: number[];
  readonly downSeconds: number[];
}

/** Connections the kernel dropped because a listening socket's accept queue was full (all sockets). */
function listenOverflows(): number {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  const at = lines.findIndex((line) => line.startsWith('TcpExt:'));
  const names = lines[at]?.split(' ') ?? [];
  const values = lines[at + 1]?.split(' ') ?? [];
  return Number(values[names.indexOf('ListenOverflows')] ?? 0);
}

function restartTimes(
  events: readonly SupervisorEvent[],
): Omit<ModeResult, 'mode' | 'counts' | 'listenOverflows'> {
  const stopSeconds: number[] = [];
  const startSeconds: number[] = [];
  const downSeconds: number[] = [];
  const restartedAt = events.findIndex((e) => e.event === 'restarted');
  const during = events.slice(0, restartedAt < 0 ? events.length : restartedAt);
  // The first ready is the initial start, not a restart.
  const readies = during.filter((e) => e.event === 'ready').slice(1);
  for (const e of during) if (e.event === 'exited') stopSeconds.push(e.stopSeconds ?? 0);
  const stoppings = during.filter((e) => e.event === 'stopping');
  for (const [i, ready] of readies.entries()) {
    startSeconds.push(ready.startSeconds ?? 0);
    const stopping = stoppings[i];
    if (stopping !== undefined) downSeconds.push(ready.t - stopping.t);
  }
  return { stopSeconds, startSeconds, downSeconds };
}

async function measureMode(
  config: OpsConfig,
  socketActivation: boolean,
  restarts: number,
  holdSeconds: number,
): Promise<ModeResult> {
  const mode = socketActivation ? 'socket activation' : 'own port';
  const supervision = supervise({
    name: `pmproxy-restarts-${socketActivation ? 'activated' : 'own-port'}`,
    config,
    restarts,
    holdSeconds,
    socketActivation,
  });
  try {
    await supervision.next('ready');
    const overflowsBefore = listenOverflows();
    const loop = startNewConnectionLoop(
      {
        proxyPort: config.ports.proxy,
        credentials: CREDENTIALS,
        url: `http://${LOOPBACK}:${config.ports.origin}/${SMALL_FILE}`,
        body: readFileSync(join(WWW_DIR, SMALL_FILE), 'utf8'),
      },
      LOOP_PER_SECOND,
    );
    await sleep(1000);
    supervision.go();
    await supervision.next('restarted');
    await sleep(1000);
    const counts = await loop.stop();
    const overflows = listenOverflows() - overflowsBefore;
    return { mode, counts, listenOverflows: overflows, ...restartTimes(supervision.events) };
  } finally {
    await supervision.close();
  }
}

const ms = (value: number) => value.toFixed(0);
const seconds = (values: readonly number[]) => {
  const s = summarize(values);
  return s === undefined ? '–' : `${s.median.toFixed(2)} [${s.min.toFixed(2)}..${s.max.toFixed(2)}]`;
};
const failedOther = (counts: LoopCounts) => Object.values(counts.otherFailures).reduce((a, b) => a + b, 0);

export const restartsSection: OpsSection = {
  name: 'restarts',
  summary: 'restarts under a new-connection loop, with socket activation and without',
  async run(options): Promise<SectionResult> {
    const restarts = options.quick ? 3 : 10;
    const holdSeconds = options.quick ? 0.5 : 1;
    const ports = portsFor('restarts');
    await prepareFiles(1);
    const origin = await startOriginOn('origin-restarts', ports.origin);
    const results: ModeResult[] = [];
    try {
      const config = opsConfig('restarts', ports);
      for (const socketActivation of [true, false]) {
        results.push(await measureMode(config, socketActivation, restarts, holdSeconds));
      }
    } finally {
      await stop(origin);
    }

    const rows = results.map((r) => [
      r.mode,
      String(r.counts.sent),
      String(r.counts.ok),
      String(r.counts.refused),
      String(r.counts.reset),
      String(failedOther(r.counts)),
      ms(r.counts.longestGapMs),
      ms(r.counts.slowestMs),
      seconds(r.stopSeconds),
      seconds(r.startSeconds),
      seconds(r.downSeconds),
      String(r.listenOverflows),
    ]);
    const activated = results[0]!;
    const lines = [
      `${restarts} restarts (SIGTERM, wait for the exit, start, READY=1, ${holdSeconds} s up) under a ` +
        `new-connection loop of ${LOOP_PER_SECOND} requests/s (one TCP connection and one proxied GET each):`,
      ...table(
        [
          'listening sockets',
          'requests',
          'ok',
          'refused',
          'reset',
          'other failed',
          'longest gap ms',
          'slowest ms',
          'stop s',
          'start s',
          'down s',
          'overflows',
        ],
        rows,
      ).map((line) => `  ${line}`),
      '  "socket activation": held by the supervisor across restarts (pmproxy.socket\'s way); "own port":',
      '  pmproxy binds it at each start. Longest gap: between two successful answers; down: SIGTERM to the',
      '  next READY=1 (median [min..max]). Overflows: connections the kernel dropped from a full accept queue,',
      '  machine-wide (other benches count too). Other failures: ' +
        (results.map((r) => `${r.mode}: ${JSON.stringify(r.counts.otherFailures)}`).join('; ') || 'none'),
      `  refused connections with socket activation: ${activated.counts.refused} (target 0): ` +
        verdict(activated.counts.refused === 0),
      `  failed requests of any kind with socket activation: ` +
        `${activated.counts.refused + activated.counts.reset + failedOther(activated.counts)} (target 0): ` +
        verdict(activated.counts.ok === activated.counts.sent),
    ];
    return { lines, figures: { restarts, holdSeconds, loopPerSecond: LOOP_PER_SECOND, modes: results } };
  },
};
