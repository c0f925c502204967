import { prepareFiles } from '../lib/origin.js';
import { cpuSeconds } from '../lib/proc-stats.js';
import { sleep, stop, type Running } from '../lib/processes.js';
import { table } from '../lib/report.js';
import { CREDENTIALS, opsConfig, startOriginOn, startPmproxy } from './instance.js';
import { portsFor } from './ports.js';
import { verdict, type OpsOptions, type OpsSection, type SectionResult } from './section.js';
import { startSoakLoad, type StreamCounts } from './soak-load.js';
import { drift, startSampler, type Sample } from './soak-samples.js';

/**
 * The soak (issue 12): pmproxy under a steady mixed load for --soak-minutes (10 by default, 1 with
 * --quick), its RSS and open descriptors sampled all along; the figure is their drift after the
 * warm-up, and no request may fail.
 */

const LARGE_MIB = 16;
const CLIENT_ADDRESS = '127.0.0.4';

interface SoakRun {
  readonly samples: readonly Sample[];
  readonly counts: Readonly<Record<string, StreamCounts>>;
  readonly cpuPercent: number;
}

async function soakPmproxy(seconds: number, everyMs: number, largeFile: string): Promise<SoakRun> {
  const ports = portsFor('soak');
  const config = opsConfig('soak', ports);
  const started: Running[] = [];
  try {
    started.push(await startOriginOn('origin-soak', ports.origin));
    const pmproxy = await startPmproxy(config);
    started.push(pmproxy);
    const cpuBefore = cpuSeconds(pmproxy.pid);
    const load = startSoakLoad({
      proxyPort: ports.proxy,
      apiPort: ports.api,
      originPort: ports.origin,
      credentials: CREDENTIALS,
      largeFile,
      localAddress: CLIENT_ADDRESS,
    });
    const sampler = startSampler(pmproxy.pid, everyMs);
    await sleep(seconds * 1000);
    // The sampler first: a sample taken once the load has stopped would read as a drop.
    await sampler.finish();
    await load.finish();
    const cpuPercent = ((cpuSeconds(pmproxy.pid) - cpuBefore) / seconds) * 100;
    return { samples: sampler.samples, counts: load.counts, cpuPercent };
  } finally {
    for (const proc of started.reverse()) await stop(proc);
  }
}

async function run(options: OpsOptions): Promise<SectionResult> {
  const largeFile = await prepareFiles(LARGE_MIB);
  const seconds = options.soakMinutes * 60;
  const everyMs = seconds < 180 ? 5000 : 10_000;
  const { samples, counts, cpuPercent } = await soakPmproxy(seconds, everyMs, largeFile);

  const result = drift(samples, seconds);
  const errors = Object.values(counts).reduce(
    (sum, stream) => sum + Object.values(stream.errors).reduce((a, b) => a + b, 0),
    0,
  );
  const streamRows = Object.entries(counts).map(([name, stream]) => {
    const failed = Object.entries(stream.errors);
    return [
      name,
      String(stream.done),
      (stream.done / seconds).toFixed(1),
      (stream.bytes / 1024 / 1024).toFixed(0),
      failed.length === 0 ? '0' : failed.map(([why, n]) => `${n} ${why}`).join(', '),
    ];
  });
  const minutes = Math.ceil(seconds / 60);
  const perMinute = Array.from({ length: minutes }, (_, minute) => {
    const inMinute = samples.filter((s) => s.at >= minute * 60 && s.at < (minute + 1) * 60);
    const span = (key: 'rssMiB' | 'fds', digits: number) =>
      inMinute.length === 0
        ? '–'
        : `${Math.min(...inMinute.map((s) => s[key])).toFixed(digits)}..${Math.max(...inMinute.map((s) => s[key])).toFixed(digits)}`;
    return [`${minute}–${minute + 1}`, String(inMinute.length), span('rssMiB', 0), span('fds', 0)];
  });
  const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
  const signed = (value: number, digits: number) => (value >= 0 ? '+' : '') + fixed(value, digits);
  const lines = [
    `pmproxy (bench/config) for ${options.soakMinutes} min under a steady mixed load from ${CLIENT_ADDRESS}: 8 keep-alive`,
    `clients GETting small.txt (80 ms apart each), small GETs with Connection: close (200 ms apart), CONNECT tunnels`,
    `fetching small.txt (500 ms apart), GETs of ${largeFile} (5 s apart), a /metrics scrape on the API (10 s apart).`,
    `pmproxy used ${fixed(cpuPercent, 0)} % of a core. RSS and open descriptors sampled every ${everyMs / 1000} s.`,
    '',
    ...table(['stream', 'done', 'per s', 'MiB', 'errors'], streamRows),
    '',
    ...table(['minute', 'samples', 'RSS MiB', 'fds'], perMinute),
    '',
    `Drift: the mean of the last ${result.windowSeconds.toFixed(0)} s against the ${result.windowSeconds.toFixed(0)} s after a ` +
      `${result.warmUpSeconds.toFixed(0)} s warm-up; slope: least squares over the samples after the warm-up.`,
    `  RSS ${fixed(result.early.rssMiB, 1)} → ${fixed(result.late.rssMiB, 1)} MiB: drift ${signed(result.rssDriftMiB, 1)} MiB, ` +
      `slope ${signed(result.rssSlopeMiBPerMinute, 2)} MiB/min (after warm-up ${fixed(result.afterWarmUp.rssMiB.min, 0)}..${fixed(result.afterWarmUp.rssMiB.max, 0)} MiB)`,
    `  fds ${fixed(result.early.fds, 1)} → ${fixed(result.late.fds, 1)}: drift ${signed(result.fdDrift, 1)}, ` +
      `slope ${signed(result.fdSlopePerMinute, 2)} fds/min (after warm-up ${fixed(result.afterWarmUp.fds.min, 0)}..${fixed(result.afterWarmUp.fds.max, 0)})`,
    `  (no drift target in the issue: figures only)`,
    `target no failed request during the soak: ${errors} failed: ${verdict(errors === 0)}`,
  ];
  return {
    lines,
    figures: {
      minutes: options.soakMinutes,
      sampleEverySeconds: everyMs / 1000,
      cpuPercent,
      counts,
      drift: result,
      samples,
    },
  };
}

export const soak: OpsSection = {
  name: 'soak',
  summary: 'steady mixed load for --soak-minutes: RSS and descriptor drift after warm-up, no failures',
  run,
};
