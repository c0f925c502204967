import type { TargetResult } from './results.js';
import { medianRatios, type Ratios, type RoundRecord } from './rounds.js';

/**
 * The speed targets of issue 2, each against Squid measured in the same run (never an absolute
 * figure from another day or machine), except memory, which is per connection. A speed ratio is
 * the median of the per-round ratios (each target against Squid in the same round), not the ratio
 * of the medians: on a machine whose speed drifts, a ratio within one round is the fair one.
 */
export interface Goal {
  readonly id: string;
  readonly label: string;
  /** 'atLeast': value ≥ threshold passes; 'atMost': value ≤ threshold passes. */
  readonly direction: 'atLeast' | 'atMost';
  readonly threshold: number;
  readonly unit: '×Squid' | 'KB';
  /** `ratios`: the target's median per-round ratios to Squid (empty without Squid figures). */
  value(result: TargetResult, ratios: Ratios): number | undefined;
}

export const GOALS: readonly Goal[] = [
  {
    id: 'smallKeepAlive',
    label: 'small keep-alive req/s ≥ 0.7× Squid',
    direction: 'atLeast',
    threshold: 0.7,
    unit: '×Squid',
    value: (_r, ratios) => ratios.small,
  },
  {
    id: 'get',
    label: 'large GET MiB/s ≥ 1.0× Squid',
    direction: 'atLeast',
    threshold: 1.0,
    unit: '×Squid',
    value: (_r, ratios) => ratios.get,
  },
  {
    id: 'connect',
    label: 'large CONNECT MiB/s ≥ 0.8× Squid',
    direction: 'atLeast',
    threshold: 0.8,
    unit: '×Squid',
    value: (_r, ratios) => ratios.connect,
  },
  {
    id: 'idleKeepAlive',
    label: 'idle keep-alive memory ≤ 32 KB/conn',
    direction: 'atMost',
    threshold: 32,
    unit: 'KB',
    value: (r) => r.idleKeepAlive?.kbPerConnection.median,
  },
  {
    id: 'idleTunnel',
    label: 'idle tunnel memory ≤ 32 KB/conn',
    direction: 'atMost',
    threshold: 32,
    unit: 'KB',
    value: (r) => r.idleTunnel?.kbPerConnection.median,
  },
];

export interface GoalCheck {
  readonly goal: string;
  readonly target: string;
  readonly value: number | undefined;
  /** undefined when it could not be measured (no Squid, no CONNECT, a failed run). */
  readonly pass: boolean | undefined;
}

export function checkGoals(results: readonly TargetResult[], rounds: readonly RoundRecord[]): GoalCheck[] {
  const checked = results.filter((r) => r.group !== 'reference' && r.skipped === undefined);
  return checked.flatMap((result) =>
    GOALS.map((goal) => {
      const value = goal.value(result, medianRatios(rounds, result.name));
      const pass =
        value === undefined
          ? undefined
          : goal.direction === 'atLeast'
            ? value >= goal.threshold
            : value <= goal.threshold;
      return { goal: goal.id, target: result.name, value, pass };
    }),
  );
}
