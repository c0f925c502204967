import { openDescriptors, rssBytes } from '../lib/proc-stats.js';
import { sleep } from '../lib/processes.js';

/**
 * The soak's memory and descriptor series: VmRSS and open file descriptors of the server's process
 * tree every few seconds, and the drift after warm-up — the mean of the last window against the
 * mean of the window just after the warm-up — with the least-squares slope of the samples after
 * the warm-up.
 */

export interface Sample {
  /** Seconds since the load started. */
  readonly at: number;
  readonly rssMiB: number;
  readonly fds: number;
}

export interface Sampler {
  readonly samples: Sample[];
  finish(): Promise<void>;
}

const MiB = 1024 * 1024;

export function startSampler(pid: number, everyMs: number): Sampler {
  const samples: Sample[] = [];
  const started = performance.now();
  let running = true;
  const take = () =>
    samples.push({
      at: (performance.now() - started) / 1000,
      rssMiB: rssBytes(pid) / MiB,
      fds: openDescriptors(pid),
    });
  const loop = (async () => {
    take();
    while (running) {
      const next = started + samples.length * everyMs;
      await sleep(Math.max(0, next - performance.now()));
      if (running) take();
    }
  })();
  return {
    samples,
    async finish() {
      // No sample after this: the load has stopped, and its connections with it.
      running = false;
      await loop;
    },
  };
}

export interface Drift {
  readonly warmUpSeconds: number;
  readonly windowSeconds: number;
  /** Mean over [warm-up, warm-up + window) and over the last window. */
  readonly early: { readonly rssMiB: number; readonly fds: number };
  readonly late: { readonly rssMiB: number; readonly fds: number };
  readonly rssDriftMiB: number;
  readonly fdDrift: number;
  readonly rssSlopeMiBPerMinute: number;
  readonly fdSlopePerMinute: number;
  readonly afterWarmUp: {
    readonly rssMiB: { readonly min: number; readonly max: number };
    readonly fds: { readonly min: number; readonly max: number };
  };
}

/** Warm-up: the first minute (a third of a shorter soak); the window: a minute (or half of what is left). */
export function windowsFor(seconds: number): { warmUpSeconds: number; windowSeconds: number } {
  const warmUpSeconds = Math.min(60, seconds / 3);
  return { warmUpSeconds, windowSeconds: Math.min(60, (seconds - warmUpSeconds) / 2) };
}

export function drift(samples: readonly Sample[], seconds: number): Drift {
  const { warmUpSeconds, windowSeconds } = windowsFor(seconds);
  const end = samples.at(-1)?.at ?? seconds;
  const inRange = (from: number, to: number) => samples.filter((s) => s.at >= from && s.at < to);
  const mean = (list: readonly Sample[], key: 'rssMiB' | 'fds') =>
    list.length === 0 ? NaN : list.reduce((sum, s) => sum + s[key], 0) / list.length;
  const earlySamples = inRange(warmUpSeconds, warmUpSeconds + windowSeconds);
  const lateSamples = inRange(end - windowSeconds, end + 1);
  const after = samples.filter((s) => s.at >= warmUpSeconds);
  const early = { rssMiB: mean(earlySamples, 'rssMiB'), fds: mean(earlySamples, 'fds') };
  const late = { rssMiB: mean(lateSamples, 'rssMiB'), fds: mean(lateSamples, 'fds') };
  const range = (key: 'rssMiB' | 'fds') => ({
    min: Math.min(...after.map((s) => s[key])),
    max: Math.max(...after.map((s) => s[key])),
  });
  return {
    warmUpSeconds,
    windowSeconds,
    early,
    late,
    rssDriftMiB: late.rssMiB - early.rssMiB,
    fdDrift: late.fds - early.fds,
    rssSlopeMiBPerMinute: slopePerMinute(after, 'rssMiB'),
    fdSlopePerMinute: slopePerMinute(after, 'fds'),
    afterWarmUp: { rssMiB: range('rssMiB'), fds: range('fds') },
  };
}

function slopePerMinute(samples: readonly Sample[], key: 'rssMiB' | 'fds'): number {
  if (samples.length < 2) return NaN;
  const n = samples.length;
  const meanX = samples.reduce((sum, s) => sum + s.at, 0) / n;
  const meanY = samples.reduce((sum, s) => sum + s[key], 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const s of samples) {
    covariance += (s.at - meanX) * (s[key] - meanY);
    variance += (s.at - meanX) ** 2;
  }
  return variance === 0 ? NaN : (covariance / variance) * 60;
}
