import { readFileSync } from 'node:fs';
import { curl, idle, wrk, type ProxyAccess } from './load.js';
import { join } from 'node:path';
import { LOG_DIR, SMALL_FILE, SMALL_FILE_BYTES } from './layout.js';
import { cpuSeconds, rssBytes } from './proc-stats.js';
import { stop, type Running } from './processes.js';
import {
  emptyResult,
  type IdleResult,
  type SmallResult,
  type TargetResult,
  type TransferResult,
} from './results.js';
import { summarize } from './stats.js';
import type { Target } from './targets.js';

export interface SuiteOptions {
  readonly runs: number;
  readonly wrkSeconds: number;
  readonly warmupSeconds: number;
  readonly bigFile: string;
  readonly bigFileBytes: number;
  readonly idleConnections: number;
  readonly idleHoldSeconds: number;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const say = (text: string) => process.stdout.write(`${text}\n`);
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Measures one target: small keep-alive requests, the large GET and the large CONNECT on one
 * instance (after a warm-up), then idle connections, each run on a fresh instance.
 */
export async function measureTarget(target: Target, options: SuiteOptions): Promise<TargetResult> {
  const result = emptyResult(target);
  const missing = target.missing();
  if (missing !== undefined) {
    result.skipped = missing;
    say(`${target.name}: skipped: ${missing}`);
    return result;
  }
  const access: ProxyAccess = { port: target.port, credentials: target.credentials };
  say(`${target.name}: ${target.label}`);

  let proc: Running;
  try {
    proc = await target.start();
  } catch (err) {
    result.skipped = `did not start: ${message(err)}${logTail(target.name)}`;
    say(`${target.name}: skipped: ${result.skipped}`);
    return result;
  }
  try {
    await checkAnswers(access, target.tunnels);
    await wrk(access, options.warmupSeconds);
    const alive = () => proc.child.exitCode === null && proc.child.signalCode === null;
    const phase = async <T>(name: string, run: () => Promise<T>): Promise<T | undefined> => {
      if (!alive()) {
        result.errors.push(`${name}: not measured, ${target.name} had exited${logTail(target.name)}`);
        return undefined;
      }
      try {
        return await run();
      } catch (err) {
        result.errors.push(`${name}: ${message(err)}`);
        say(`  ${name}: failed: ${message(err)}`);
        return undefined;
      }
    };
    const small = await phase('small keep-alive', () => measureSmall(proc, access, options, result.notes));
    if (small !== undefined) result.small = small;
    const get = await phase('GET', () => measureTransfer(proc, access, options, false));
    if (get !== undefined) result.get = get;
    if (target.tunnels) {
      const connect = await phase('CONNECT', () => measureTransfer(proc, access, options, true));
      if (connect !== undefined) result.connect = connect;
    }
    if (alive()) result.rssAfterLoadMiB = rssBytes(proc.pid) / MiB;
  } catch (err) {
    result.errors.push(message(err));
    say(`  failed: ${message(err)}`);
  } finally {
    if (target.shared !== true) await stop(proc, target.stopSignal);
  }

  const modes = target.port === undefined ? (['direct'] as const) : (['keepalive', 'tunnel'] as const);
  for (const mode of modes) {
    if (mode === 'tunnel' && !target.tunnels) continue;
    try {
      const idleResult = await measureIdle(target, access, options, mode, proc, result.notes);
      if (mode === 'tunnel') result.idleTunnel = idleResult;
      else result.idleKeepAlive = idleResult;
    } catch (err) {
      result.errors.push(`idle ${mode}: ${message(err)}`);
      say(`  idle ${mode}: failed: ${message(err)}`);
    }
  }
  return result;
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

async function measureSmall(
  proc: Running,
  access: ProxyAccess,
  options: SuiteOptions,
  notes: string[],
): Promise<SmallResult> {
  const rps: number[] = [];
  const cpu: number[] = [];
  const p50: number[] = [];
  const p99: number[] = [];
  let non2xx = 0;
  let socketErrors = 0;
  for (let i = 1; i <= options.runs; i++) {
    const before = cpuSeconds(proc.pid);
    const run = await wrk(access, options.wrkSeconds);
    const used = cpuSeconds(proc.pid) - before;
    if (run.non2xx > run.requests * 0.01) {
      throw new Error(`${run.non2xx} of ${run.requests} answers were not 2xx/3xx`);
    }
    rps.push(run.rps);
    cpu.push((used * 1e6) / run.requests);
    if (run.p50Ms !== undefined) p50.push(run.p50Ms);
    if (run.p99Ms !== undefined) p99.push(run.p99Ms);
    non2xx += run.non2xx;
    socketErrors += run.socketErrors;
    say(
      `  small keep-alive ${i}/${options.runs}: ${Math.round(run.rps)} req/s, ` +
        `${cpu.at(-1)!.toFixed(1)} µs CPU/req, p99 ${run.p99Ms?.toFixed(1) ?? '?'} ms` +
        (run.socketErrors > 0 ? `, ${run.socketErrors} socket errors` : ''),
    );
  }
  if (socketErrors > 0)
    notes.push(`wrk saw ${socketErrors} socket errors (a proxy that closes kept-alive connections)`);
  if (non2xx > 0) notes.push(`${non2xx} answers were not 2xx/3xx`);
  return {
    rps: summarize(rps)!,
    cpuUsPerRequest: summarize(cpu)!,
    p50Ms: summarize(p50),
    p99Ms: summarize(p99),
    non2xx,
    socketErrors,
  };
}

async function measureTransfer(
  proc: Running,
  access: ProxyAccess,
  options: SuiteOptions,
  tunnel: boolean,
): Promise<TransferResult> {
  const speed: number[] = [];
  const cpu: number[] = [];
  const name = tunnel ? 'CONNECT' : 'GET';
  // One transfer first, not counted, for every target alike: a JIT-compiled proxy (and TCP buffer
  // autotuning on a pooled upstream connection) reaches its steady state only after the first few
  // hundred MiB, and a gateway runs in its steady state.
  const warmup = await curl(access, options.bigFile, tunnel);
  say(
    `  ${name} ${options.bigFile} warm-up: ${(warmup.bytesPerSecond / MiB).toFixed(0)} MiB/s (not counted)`,
  );
  for (let i = 1; i <= options.runs; i++) {
    const before = cpuSeconds(proc.pid);
    const got = await curl(access, options.bigFile, tunnel);
    const used = cpuSeconds(proc.pid) - before;
    if (got.status !== 200 || got.bytes !== options.bigFileBytes) {
      throw new Error(`HTTP ${got.status}, ${got.bytes} of ${options.bigFileBytes} bytes`);
    }
    speed.push(got.bytesPerSecond / MiB);
    cpu.push(used / (got.bytes / GiB));
    say(
      `  ${name} ${options.bigFile} ${i}/${options.runs}: ${speed.at(-1)!.toFixed(0)} MiB/s, ${cpu.at(-1)!.toFixed(2)} CPU s/GiB`,
    );
  }
  return { mibPerSecond: summarize(speed)!, cpuSecondsPerGiB: summarize(cpu)! };
}

async function measureIdle(
  target: Target,
  access: ProxyAccess,
  options: SuiteOptions,
  mode: 'keepalive' | 'tunnel' | 'direct',
  shared: Running,
  notes: string[],
): Promise<IdleResult> {
  const perConnection: number[] = [];
  let open = Infinity;
  let failed = 0;
  let closedByServer = 0;
  for (let i = 1; i <= options.runs; i++) {
    const proc = target.shared === true ? shared : await target.start();
    try {
      const run = await idle(access, {
        mode,
        connections: options.idleConnections,
        holdSeconds: options.idleHoldSeconds,
        rss: () => rssBytes(proc.pid),
      });
      if (run.open === 0) throw new Error(`no connection reached the idle state (${run.failed} failed)`);
      if (run.closedBeforeReading > run.open / 100) {
        throw new Error(
          `the server closed ${run.closedBeforeReading} of ${run.open} idle connections before memory was read: ` +
            'it does not keep them, so there is no memory per connection to measure',
        );
      }
      const kb = (run.rssAfter - run.rssBefore) / run.open / 1024;
      perConnection.push(kb);
      open = Math.min(open, run.open);
      failed = Math.max(failed, run.failed);
      closedByServer = Math.max(closedByServer, run.closedByServer);
      say(
        `  idle ${mode} ${i}/${options.runs}: ${kb.toFixed(1)} KB/conn over ${run.open} connections` +
          `${run.failed > 0 ? `, ${run.failed} failed` : ''}, ${run.closedByServer} closed by the server by the end of ${options.idleHoldSeconds} s`,
      );
    } finally {
      if (target.shared !== true) await stop(proc, target.stopSignal);
    }
  }
  if (closedByServer > 0) {
    notes.push(
      `closed ${closedByServer} of ${open} idle ${mode} connections within ${options.idleHoldSeconds} s (most in one run)`,
    );
  }
  return { kbPerConnection: summarize(perConnection)!, open, failed, closedByServer };
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
