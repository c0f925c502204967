import { measureIdleMemory } from './idle-memory.js';
import { emptyResult, type TargetResult } from './results.js';
import { emptySamples, RATIO_KEYS, summarizeSamples, type RatioKey, type RoundFigures } from './samples.js';
import { summarize } from './stats.js';
import { measureRound, type SuiteOptions, type TargetState } from './suite.js';
import type { Target } from './targets.js';

/**
 * The targets interleaved in rounds: each round measures every target once, one after another, so
 * that on a machine whose speed drifts over minutes the targets of one round see the same machine.
 * Each target's samples are summarized over the rounds; the ratios to Squid are taken per round.
 */

export interface RoundRecord {
  readonly round: number;
  readonly started: string;
  /** By target name: what it measured in this round. */
  readonly figures: Readonly<Record<string, RoundFigures>>;
}

export type Ratios = Partial<Record<RatioKey, number>>;

const say = (text: string) => process.stdout.write(`${text}\n`);

/** `target`'s figures over Squid's in the same round; a key is absent when either was not measured. */
export function roundRatios(record: RoundRecord, target: string): Ratios {
  const squid = record.figures['squid'];
  const mine = record.figures[target];
  const ratios: Ratios = {};
  for (const key of RATIO_KEYS) {
    const a = mine?.[key];
    const b = squid?.[key];
    if (a !== undefined && b !== undefined && b !== 0) ratios[key] = a / b;
  }
  return ratios;
}

/** The median over the rounds of `target`'s ratios to Squid, each from one round. */
export function medianRatios(rounds: readonly RoundRecord[], target: string): Ratios {
  const medians: Ratios = {};
  for (const key of RATIO_KEYS) {
    const values = rounds
      .map((record) => roundRatios(record, target)[key])
      .filter((v): v is number => v !== undefined);
    const median = summarize(values)?.median;
    if (median !== undefined) medians[key] = median;
  }
  return medians;
}

/** The targets compared with Squid: every measured one that is not a reference (direct, Squid). */
export function comparedTargets(results: readonly TargetResult[]): string[] {
  return results.filter((r) => r.group !== 'reference' && r.skipped === undefined).map((r) => r.name);
}

const times = (value: number | undefined) => (value === undefined ? '–' : `${value.toFixed(2)}×`);

export async function runRounds(
  targets: readonly Target[],
  options: SuiteOptions,
): Promise<{ results: TargetResult[]; rounds: RoundRecord[] }> {
  const states: TargetState[] = targets.map((target) => ({
    target,
    result: emptyResult(target),
    samples: emptySamples(),
  }));
  for (const { target, result } of states) {
    const missing = target.missing();
    if (missing !== undefined) {
      result.skipped = missing;
      say(`${target.name}: skipped: ${missing}`);
    }
  }
  const live = () => states.filter((s) => s.result.skipped === undefined);

  const rounds: RoundRecord[] = [];
  for (let round = 1; round <= options.runs; round++) {
    const started = new Date();
    say(`\nround ${round}/${options.runs} (${started.toISOString().slice(11, 19)} UTC)`);
    const figures: Record<string, RoundFigures> = {};
    for (const state of live()) figures[state.target.name] = await measureRound(state, options, round);
    const record = { round, started: started.toISOString(), figures };
    rounds.push(record);
    if (figures['squid'] !== undefined) {
      for (const name of comparedTargets(live().map((s) => s.result))) {
        const r = roundRatios(record, name);
        say(
          `round ${round}: ${name} ×Squid: small ${times(r.small)}, GET ${times(r.get)}, CONNECT ${times(r.connect)}`,
        );
      }
    }
  }
  for (const { result, samples } of states) summarizeSamples(result, samples);

  say(`\nidle connections (not interleaved: ${options.runs} run(s) per target, each on a fresh instance)`);
  for (const state of live()) await measureIdleMemory(state, options);
  return { results: states.map((s) => s.result), rounds };
}
