import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { curl, wrk, type ProxyAccess } from './load.js';
import { LOG_DIR, SMALL_FILE, SMALL_FILE_BYTES } from './layout.js';
import { cpuSeconds, rssBytes } from './proc-stats.js';
import { stop, type Running } from './processes.js';
import type { TargetResult } from './results.js';
import type { RoundFigures, SmallSample, TargetSamples, TransferSample } from './samples.js';
import type { Target } from './targets.js';

export interface SuiteOptions {
  /** The number of rounds; each measures every target once. */
  readonly runs: number;
  readonly wrkSeconds: number;
  readonly warmupSeconds: number;
  readonly bigFile: string;
  readonly bigFileBytes: number;
  readonly idleConnections: number;
  readonly idleHoldSeconds: number;
}

/** A target through the rounds: its result (skipped, errors, notes) and its raw samples so far. */
export interface TargetState {
  readonly target: Target;
  readonly result: TargetResult;
  readonly samples: TargetSamples;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const say = (text: string) => process.stdout.write(`${text}\n`);
export const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * One round of one target: a fresh instance, its answers checked, the wrk warm-up, then one small
 * keep-alive run, one large GET and one large CONNECT (each after its own uncounted transfer); then
 * it is stopped. The samples go to `state.samples`; what it measured is returned for the round's
 * ratios. A target that does not start in round 1 is skipped for the whole bench.
 */
export async function measureRound(
  state: TargetState,
  options: SuiteOptions,
  round: number,
): Promise<RoundFigures> {
  const { target, result, samples } = state;
  const figures: RoundFigures = {};
  const access: ProxyAccess = { port: target.port, credentials: target.credentials };
  const failed = (what: string, err: unknown) => {
    result.errors.push(`round ${round}: ${what}${message(err)}`);
    say(`  ${what}failed: ${message(err)}`);
  };
  say(`${target.name}: ${target.label}`);

  let proc: Running;
  try {
    proc = await target.start();
  } catch (err) {
    const why = `did not start: ${message(err)}${logTail(target.name)}`;
    if (round === 1) result.skipped = why;
    else result.errors.push(`round ${round}: ${why}`);
    say(`${target.name}: ${round === 1 ? 'skipped' : 'not measured in this round'}: ${why}`);
    return figures;
  }
  try {
    await checkAnswers(access, target.tunnels);
    await wrk(access, options.warmupSeconds);
    const alive = () => proc.child.exitCode === null && proc.child.signalCode === null;
    const phase = async <T>(name: string, run: () => Promise<T>): Promise<T | undefined> => {
      if (!alive()) {
        result.errors.push(
          `round ${round}: ${name}: not measured, ${target.name} had exited${logTail(target.name)}`,
        );
        return undefined;
      }
      try {
        return await run();
      } catch (err) {
        failed(`${name}: `, err);
        return undefined;
      }
    };
    const small = await phase('small keep-alive', () => smallRun(proc, access, options, round));
    if (small !== undefined) {
      samples.small.push(small);
      figures.small = small.rps;
    }
    for (const key of target.tunnels ? (['get', 'connect'] as const) : (['get'] as const)) {
      const tunnel = key === 'connect';
      const sample = await phase(tunnel ? 'CONNECT' : 'GET', () =>
        transferRun(proc, access, options, tunnel, round),
      );
      if (sample !== undefined) {
        samples[key].push(sample);
        figures[key] = sample.mibPerSecond;
      }
    }
    if (alive()) samples.rssAfterLoadMiB.push(rssBytes(proc.pid) / MiB);
  } catch (err) {
    failed('', err);
  } finally {
    if (target.shared !== true) await stop(proc, target.stopSignal);
  }
  return figures;
}

/** Refuses to measure a target that does not answer correctly (e.g. a 407: the figures would be of errors). */
async function checkAnswers(access: ProxyAccess, tunnels: boolean): Promise<void> {
  for (const tunnel of tunnels ? [false, true] : [false]) {
    const answer = await curl(access, SMALL_FILE, tunnel, 10);
    if (answer.status !== 200 || answer.bytes !== SMALL_FILE_BYTES) {
      const how = tunnel ? 'through CONNECT' : 'with GET';
      throw new Error(`fetching ${SMALL_FILE} ${how} gave HTTP ${answer.status} and ${answer.bytes} bytes`);
    }
  }
}

async function smallRun(
  proc: Running,
  access: ProxyAccess,
  options: SuiteOptions,
  round: number,
): Promise<SmallSample> {
  const before = cpuSeconds(proc.pid);
  const run = await wrk(access, options.wrkSeconds);
  const used = cpuSeconds(proc.pid) - before;
  if (run.non2xx > run.requests * 0.01) {
    throw new Error(`${run.non2xx} of ${run.requests} answers were not 2xx/3xx`);
  }
  const cpuUsPerRequest = (used * 1e6) / run.requests;
  say(
    `  small keep-alive ${round}/${options.runs}: ${Math.round(run.rps)} req/s, ` +
      `${cpuUsPerRequest.toFixed(1)} µs CPU/req, p99 ${run.p99Ms?.toFixed(1) ?? '?'} ms` +
      (run.socketErrors > 0 ? `, ${run.socketErrors} socket errors` : ''),
  );
  return {
    rps: run.rps,
    cpuUsPerRequest,
    p50Ms: run.p50Ms,
    p99Ms: run.p99Ms,
    non2xx: run.non2xx,
    socketErrors: run.socketErrors,
  };
}

async function transferRun(
  proc: Running,
  access: ProxyAccess,
  options: SuiteOptions,
  tunnel: boolean,
  round: number,
): Promise<TransferSample> {
  const name = tunnel ? 'CONNECT' : 'GET';
  // One transfer first, not counted, for every target alike: a JIT-compiled proxy (and TCP buffer
  // autotuning on a pooled upstream connection) reaches its steady state only after the first few
  // hundred MiB, and a gateway runs in its steady state.
  const warmup = await curl(access, options.bigFile, tunnel);
  say(
    `  ${name} ${options.bigFile} warm-up: ${(warmup.bytesPerSecond / MiB).toFixed(0)} MiB/s (not counted)`,
  );
  const before = cpuSeconds(proc.pid);
  const got = await curl(access, options.bigFile, tunnel);
  const used = cpuSeconds(proc.pid) - before;
  if (got.status !== 200 || got.bytes !== options.bigFileBytes) {
    throw new Error(`HTTP ${got.status}, ${got.bytes} of ${options.bigFileBytes} bytes`);
  }
  const sample = { mibPerSecond: got.bytesPerSecond / MiB, cpuSecondsPerGiB: used / (got.bytes / GiB) };
  say(
    `  ${name} ${options.bigFile} ${round}/${options.runs}: ${sample.mibPerSecond.toFixed(0)} MiB/s, ` +
      `${sample.cpuSecondsPerGiB.toFixed(2)} CPU s/GiB`,
  );
  return sample;
}

/** Why a server failed, from its log: the first line naming an error, then the last lines. */
function logTail(name: string): string {
  let lines: string[];
  try {
    lines = readFileSync(join(LOG_DIR, `${name}.log`), 'utf8')
      .trim()
      .split('\n');
  } catch {
    return '';
  }
  const firstError = lines.find((line) => /error/iu.test(line));
  const shown = [...(firstError === undefined ? [] : [firstError, '…']), ...lines.slice(-3)];
  return shown.length > 0 && shown.join('') !== '' ? `\n    ${shown.join('\n    ')}` : '';
}
