import { sleep } from '../lib/processes.js';
import { holdings, type Holdings } from './reload-resources.js';
import { startSmallLoad, type LoadCounts, type ProxyTarget, type SmallTarget } from './reload-requests.js';
import type { ReloadTally } from './reload-signals.js';
import { pacedGet, pacedTunnel, type TransferResult } from './reload-transfers.js';

/**
 * One load of the reloads section against one server: a warm-up of the same load, what the server
 * holds then, the load with the series of reloads in its middle, and what it holds once the load
 * stopped and things settled.
 */

export interface ReloadedServer {
  readonly name: string;
  readonly pid: number;
  readonly proxy: ProxyTarget;
  /** The series of reloads (every 10th broken), resolved once the last is over. */
  reloads(): Promise<ReloadTally>;
}

export type LoadName = 'keep-alive' | 'close' | 'transfers';

export interface PhaseResult {
  readonly server: string;
  readonly load: LoadName;
  readonly tally: ReloadTally;
  /** Loads (i) and (ii): during the reloads, and in the warm-up as long before them without any. */
  readonly counts?: LoadCounts;
  readonly warmUp?: LoadCounts;
  readonly loadSeconds: number;
  readonly warmUpSeconds: number;
  /** Load (iii). */
  readonly transfers?: readonly TransferResult[];
  readonly before: Holdings;
  readonly after: Holdings;
}

export interface TransferPlan {
  readonly originPort: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly gets: number;
  readonly tunnels: number;
}

/** Before "before" and "after": connections the clients closed are gone from the server by then. */
const SETTLE_MS = 2_000;
/** Load before the first reload and after the last, so each reload happens under a running load. */
const MARGIN_MS = 1_000;

export const KEEP_ALIVE_CONNECTIONS = 50;
export const CLOSE_LOOP_WORKERS = 8;

/**
 * The warm-up is the same load for as long as the reloads take, so that "before" is the server
 * after such a load (its heap grown, its pools filled) and the difference is the reloads'; its
 * request rate is the one without reloads.
 */
export async function smallPhase(
  server: ReloadedServer,
  target: SmallTarget,
  load: 'keep-alive' | 'close',
  reloadsMs: number,
): Promise<PhaseResult> {
  const keepAlive = load === 'keep-alive';
  const workers = keepAlive ? KEEP_ALIVE_CONNECTIONS : CLOSE_LOOP_WORKERS;
  const warm = startSmallLoad(target, workers, keepAlive);
  const warmStarted = performance.now();
  await sleep(reloadsMs + 2 * MARGIN_MS);
  const warmUp = await warm.stop();
  const warmUpSeconds = (performance.now() - warmStarted) / 1000;
  await sleep(SETTLE_MS);
  const before = holdings(server.pid);
  const running = startSmallLoad(target, workers, keepAlive);
  const started = performance.now();
  await sleep(MARGIN_MS);
  const tally = await server.reloads();
  await sleep(MARGIN_MS);
  const counts = await running.stop();
  const loadSeconds = (performance.now() - started) / 1000;
  await sleep(SETTLE_MS);
  const after = holdings(server.pid);
  return { server: server.name, load, tally, counts, warmUp, loadSeconds, warmUpSeconds, before, after };
}

function transfers(server: ReloadedServer, plan: TransferPlan, bytes: number, perSecond: number) {
  return Promise.all([
    ...Array.from({ length: plan.gets }, () => pacedGet(server.proxy, plan.originPort, bytes, perSecond)),
    ...Array.from({ length: plan.tunnels }, () =>
      pacedTunnel(server.proxy, plan.originPort, bytes, perSecond),
    ),
  ]);
}

/** The warm-up: the same transfers at the same rate for a few seconds, without reloads. */
export async function transferPhase(server: ReloadedServer, plan: TransferPlan): Promise<PhaseResult> {
  const perSecond = Math.round(plan.bytes / plan.seconds);
  const warmUpSeconds = Math.min(5, plan.seconds / 3);
  await transfers(server, plan, Math.round(perSecond * warmUpSeconds), perSecond);
  await sleep(SETTLE_MS);
  const before = holdings(server.pid);
  const started = performance.now();
  const running = transfers(server, plan, plan.bytes, perSecond);
  await sleep(MARGIN_MS);
  const tally = await server.reloads();
  const results = await running;
  const loadSeconds = (performance.now() - started) / 1000;
  await sleep(SETTLE_MS);
  const after = holdings(server.pid);
  return {
    server: server.name,
    load: 'transfers',
    tally,
    transfers: results,
    loadSeconds,
    warmUpSeconds,
    before,
    after,
  };
}
