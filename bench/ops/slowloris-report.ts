import { table } from '../lib/report.js';
import type { PhaseResult } from './slowloris-phase.js';

/** The slowloris section's two tables: what the attacker held, and what the good client saw. */

const ms = (value: number | undefined) => (value === undefined ? '–' : value.toFixed(1));
const second = (value: number | undefined) => (value === undefined ? '–' : `${value} s`);

export function attackTable(phases: readonly PhaseResult[]): string[] {
  const rows = phases.flatMap((phase) =>
    phase.subjects.flatMap((subject) => {
      const attack = subject.attack;
      if (attack === undefined) return [];
      return [
        [
          `${phase.server} ${subject.label}, slow ${phase.phase}`,
          `${attack.maxConnected}/${attack.requested} at ${attack.secondOfMax} s`,
          second(attack.firstClosedSecond),
          second(attack.halfClosedSecond),
          `${attack.connectedAtEnd}`,
          second(attack.allClosedSecond),
          `${attack.probeUnansweredSeconds}/${attack.seconds + 1}`,
          attack.exitStatus,
        ],
      ];
    }),
  );
  return table(
    [
      'attack (slowhttptest)',
      'most open',
      'first closed',
      'half closed',
      'open at end',
      'all closed',
      'probe down',
      'ended',
    ],
    rows,
  );
}

export function goodClientTable(phases: readonly PhaseResult[]): string[] {
  const rows = phases.flatMap((phase) =>
    phase.subjects.map((subject) => {
      const good = subject.good;
      const kinds = Object.entries(good.errorKinds)
        .map(([kind, n]) => `${n} ${kind}`)
        .join(', ');
      return [
        `${phase.server} ${subject.label}, ${subject.attack === undefined ? 'no attack' : `slow ${phase.phase}`}`,
        String(good.requests),
        ms(good.p50Ms),
        ms(good.p99Ms),
        ms(good.maxMs),
        good.errors === 0 ? '0' : `${good.errors} (${kinds})`,
        `${phase.rssBeforeMiB.toFixed(0)} → ${phase.rssPeakMiB.toFixed(0)}`,
        `${phase.cpuPercent.toFixed(0)} %`,
      ];
    }),
  );
  return table(
    [
      'good client (127.0.0.2)',
      'requests',
      'p50 ms',
      'p99 ms',
      'max ms',
      'errors',
      'RSS MiB (peak)',
      'server CPU',
    ],
    rows,
  );
}
