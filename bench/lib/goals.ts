import type { TargetResult } from './results.js';
import { ratio } from './stats.js';

/**
 * The speed targets of issue 2, each against Squid measured in the same run (never an absolute
 * figure from another day or machine), except memory, which is per connection.
 */
export interface Goal {
  readonly id: string;
  readonly label: string;
  /** 'atLeast': value ≥ threshold passes; 'atMost': value ≤ threshold passes. */
  readonly direction: 'atLeast' | 'atMost';
  readonly threshold: number;
  readonly unit: '×Squid' | 'KB';
  value(result: TargetResult, squid: TargetResult | undefined): number | undefined;
}

export const GOALS: readonly Goal[] = [
  {
    id: 'smallKeepAlive',
    label: 'small keep-alive req/s ≥ 0.7× Squid',
    direction: 'atLeast',
    threshold: 0.7,
    unit: '×Squid',
    value: (r, squid) => ratio(r.small?.rps, squid?.small?.rps),
  },
  {
    id: 'get',
    label: 'large GET MiB/s ≥ 1.0× Squid',
    direction: 'atLeast',
    threshold: 1.0,
    unit: '×Squid',
    value: (r, squid) => ratio(r.get?.mibPerSecond, squid?.get?.mibPerSecond),
  },
  {
    id: 'connect',
    label: 'large CONNECT MiB/s ≥ 0.8× Squid',
    direction: 'atLeast',
    threshold: 0.8,
    unit: '×Squid',
    value: (r, squid) => ratio(r.connect?.mibPerSecond, squid?.connect?.mibPerSecond),
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

export function checkGoals(results: readonly TargetResult[]): GoalCheck[] {
  const squid = results.find((r) => r.name === 'squid' && r.skipped === undefined);
  const checked = results.filter((r) => r.group !== 'reference' && r.skipped === undefined);
  return checked.flatMap((result) =>
    GOALS.map((goal) => {
      const value = goal.value(result, squid);
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
