import { idle, type ProxyAccess } from './load.js';
import { rssBytes } from './proc-stats.js';
import { stop } from './processes.js';
import type { IdleResult } from './results.js';
import { summarize } from './stats.js';
import { message, type SuiteOptions, type TargetState } from './suite.js';

const say = (text: string) => process.stdout.write(`${text}\n`);

/**
 * Memory per idle connection, kept-alive and tunnelled, after the rounds: not a speed figure, so
 * not interleaved; each of the `runs` runs of a mode starts the target afresh.
 */
export async function measureIdleMemory(state: TargetState, options: SuiteOptions): Promise<void> {
  const { target, result } = state;
  say(`${target.name}: ${target.label}`);
  const modes = target.port === undefined ? (['direct'] as const) : (['keepalive', 'tunnel'] as const);
  for (const mode of modes) {
    if (mode === 'tunnel' && !target.tunnels) continue;
    try {
      const idleResult = await measureIdle(state, options, mode);
      if (mode === 'tunnel') result.idleTunnel = idleResult;
      else result.idleKeepAlive = idleResult;
    } catch (err) {
      result.errors.push(`idle ${mode}: ${message(err)}`);
      say(`  idle ${mode}: failed: ${message(err)}`);
    }
  }
}

async function measureIdle(
  { target, result }: TargetState,
  options: SuiteOptions,
  mode: 'keepalive' | 'tunnel' | 'direct',
): Promise<IdleResult> {
  const access: ProxyAccess = { port: target.port, credentials: target.credentials };
  const perConnection: number[] = [];
  let open = Infinity;
  let failed = 0;
  let closedByServer = 0;
  for (let i = 1; i <= options.runs; i++) {
    // A fresh instance for each run; the origin ("direct", shared) is the one already running.
    const proc = await target.start();
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
    result.notes.push(
      `closed ${closedByServer} of ${open} idle ${mode} connections within ${options.idleHoldSeconds} s (most in one run)`,
    );
  }
  return { kbPerConnection: summarize(perConnection)!, open, failed, closedByServer };
}
