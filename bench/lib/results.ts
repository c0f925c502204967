import type { Summary } from './stats.js';
import type { Target } from './targets.js';

/** What one target measured; every figure is a Summary over the repeated runs. */

export interface SmallResult {
  readonly rps: Summary;
  readonly cpuUsPerRequest: Summary;
  readonly p50Ms: Summary | undefined;
  readonly p99Ms: Summary | undefined;
  /** Summed over the runs: answers that were not 2xx or 3xx, and wrk's socket errors. */
  readonly non2xx: number;
  readonly socketErrors: number;
}

export interface TransferResult {
  readonly mibPerSecond: Summary;
  readonly cpuSecondsPerGiB: Summary;
}

export interface IdleResult {
  /** ΔVmRSS / connections, in KB (1024 bytes); kernel socket buffers are not in it. */
  readonly kbPerConnection: Summary;
  /** The fewest connections opened in a run, the most that failed, the most the server closed while held. */
  readonly open: number;
  readonly failed: number;
  readonly closedByServer: number;
}

export interface TargetResult {
  readonly name: string;
  readonly label: string;
  readonly group: Target['group'];
  /** Why nothing was measured. */
  skipped?: string;
  /** Measurements that failed, each with its reason; the others still count. */
  readonly errors: string[];
  /** Notes that do not invalidate a figure (e.g. a proxy that never keeps connections alive). */
  readonly notes: string[];
  small?: SmallResult;
  get?: TransferResult;
  connect?: TransferResult;
  idleKeepAlive?: IdleResult;
  idleTunnel?: IdleResult;
  /** Resident memory right after the load phases, in MiB. */
  rssAfterLoadMiB?: number;
}

export function emptyResult(target: Target): TargetResult {
  return { name: target.name, label: target.label, group: target.group, errors: [], notes: [] };
}
