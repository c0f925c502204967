import type { TargetResult } from './results.js';
import { summarize } from './stats.js';

/**
 * The raw figures of one target, one entry per round it was measured in, summarized into its
 * TargetResult once every round has run (so results.json and the tables keep their shape).
 */

/** One small keep-alive run (wrk). */
export interface SmallSample {
  readonly rps: number;
  readonly cpuUsPerRequest: number;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly non2xx: number;
  readonly socketErrors: number;
}

/** One counted large transfer (curl). */
export interface TransferSample {
  readonly mibPerSecond: number;
  readonly cpuSecondsPerGiB: number;
}

export interface TargetSamples {
  readonly small: SmallSample[];
  readonly get: TransferSample[];
  readonly connect: TransferSample[];
  /** VmRSS right after each round's load phases, in MiB. */
  readonly rssAfterLoadMiB: number[];
}

/** The speed figures compared with Squid round by round: req/s, GET MiB/s, CONNECT MiB/s. */
export type RatioKey = 'small' | 'get' | 'connect';
export const RATIO_KEYS: readonly RatioKey[] = ['small', 'get', 'connect'];

/** What one target measured in one round (absent: not measured in it). */
export type RoundFigures = Partial<Record<RatioKey, number>>;

export function emptySamples(): TargetSamples {
  return { small: [], get: [], connect: [], rssAfterLoadMiB: [] };
}

/** Fills `result` with the median [min..max] over the rounds of every figure that has samples. */
export function summarizeSamples(result: TargetResult, samples: TargetSamples): void {
  const pick = <T>(list: readonly T[], value: (sample: T) => number | undefined): number[] =>
    list.map(value).filter((n): n is number => n !== undefined);
  const rps = summarize(pick(samples.small, (s) => s.rps));
  const cpu = summarize(pick(samples.small, (s) => s.cpuUsPerRequest));
  if (rps !== undefined && cpu !== undefined) {
    const non2xx = samples.small.reduce((sum, s) => sum + s.non2xx, 0);
    const socketErrors = samples.small.reduce((sum, s) => sum + s.socketErrors, 0);
    result.small = {
      rps,
      cpuUsPerRequest: cpu,
      p50Ms: summarize(pick(samples.small, (s) => s.p50Ms)),
      p99Ms: summarize(pick(samples.small, (s) => s.p99Ms)),
      non2xx,
      socketErrors,
    };
    if (socketErrors > 0)
      result.notes.push(`wrk saw ${socketErrors} socket errors (a proxy that closes kept-alive connections)`);
    if (non2xx > 0) result.notes.push(`${non2xx} answers were not 2xx/3xx`);
  }
  for (const key of ['get', 'connect'] as const) {
    const speed = summarize(pick(samples[key], (s) => s.mibPerSecond));
    const perGiB = summarize(pick(samples[key], (s) => s.cpuSecondsPerGiB));
    if (speed !== undefined && perGiB !== undefined) {
      result[key] = { mibPerSecond: speed, cpuSecondsPerGiB: perGiB };
    }
  }
  const rss = summarize(samples.rssAfterLoadMiB);
  if (rss !== undefined) result.rssAfterLoadMiB = rss.median;
}
