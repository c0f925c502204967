import { GOALS, type GoalCheck } from './goals.js';
import type { TargetResult } from './results.js';
import { comparedTargets, medianRatios, roundRatios, type Ratios, type RoundRecord } from './rounds.js';
import { RATIO_KEYS } from './samples.js';
import { ratio, type Summary } from './stats.js';

/** The tables printed at the end of a run. */

const number = (value: number, digits: number) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function cell(summary: Summary | undefined, digits: number): string {
  if (summary === undefined) return '–';
  if (summary.runs.length === 1) return number(summary.median, digits);
  return `${number(summary.median, digits)} [${number(summary.min, digits)}..${number(summary.max, digits)}]`;
}

export function times(value: number | undefined): string {
  return value === undefined ? '–' : `${value.toFixed(2)}×`;
}

/** Left-aligned first column, right-aligned others, two spaces apart. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...(r[i] ?? '')].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => {
        const pad = ' '.repeat(widths[i]! - [...c].length);
        return i === 0 ? c + pad : pad + c;
      })
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)];
}

export interface ReportContext {
  readonly runs: number;
  readonly wrkSeconds: number;
  readonly bigFile: string;
  readonly idleConnections: number;
  readonly idleHoldSeconds: number;
}

export function report(
  results: readonly TargetResult[],
  goals: readonly GoalCheck[],
  context: ReportContext,
  rounds: readonly RoundRecord[],
): string {
  const measured = results.filter((r) => r.skipped === undefined);
  const squid = measured.find((r) => r.name === 'squid');
  const label = (r: TargetResult) => (r.name === 'direct' ? `${r.label} *` : r.label);
  const out: string[] = [];
  const section = (title: string, lines: string[]) => out.push('', title, ...lines.map((l) => `  ${l}`));

  out.push(
    '',
    `Targets interleaved in ${context.runs} round(s): each round measured every target once, in turn, on a fresh`,
    'instance; every figure below is the median [min..max] over the rounds, "×Squid" the ratio of the medians.',
  );
  section(
    `Small requests, keep-alive (wrk -t1 -c50 -d${context.wrkSeconds}s, absolute URI; ${context.runs} round(s): median [min..max])`,
    table(
      ['target', 'req/s', '×Squid', 'CPU µs/req', '×Squid', 'p50 ms', 'p99 ms'],
      measured.map((r) => [
        label(r),
        cell(r.small?.rps, 0),
        times(ratio(r.small?.rps, squid?.small?.rps)),
        cell(r.small?.cpuUsPerRequest, 1),
        times(ratio(r.small?.cpuUsPerRequest, squid?.small?.cpuUsPerRequest)),
        r.small?.p50Ms === undefined ? '–' : number(r.small.p50Ms.median, 2),
        r.small?.p99Ms === undefined ? '–' : number(r.small.p99Ms.median, 2),
      ]),
    ),
  );
  for (const [key, title] of [
    ['get', `GET ${context.bigFile} (curl -x)`],
    ['connect', `CONNECT ${context.bigFile} (curl -p -x)`],
  ] as const) {
    section(
      title,
      table(
        ['target', 'MiB/s', '×Squid', 'CPU s/GiB', '×Squid'],
        measured.map((r) => [
          label(r),
          cell(r[key]?.mibPerSecond, 0),
          times(ratio(r[key]?.mibPerSecond, squid?.[key]?.mibPerSecond)),
          cell(r[key]?.cpuSecondsPerGiB, 2),
          times(ratio(r[key]?.cpuSecondsPerGiB, squid?.[key]?.cpuSecondsPerGiB)),
        ]),
      ),
    );
  }
  section(
    `Idle connections (${context.idleConnections} per run after 50 warm-up ones, held ${context.idleHoldSeconds} s; ΔVmRSS / connections, KB = 1024 B)`,
    table(
      ['target', 'keep-alive KB/conn', 'closed', 'tunnel KB/conn', 'closed', 'RSS after load'],
      measured.map((r) => [
        label(r),
        cell(r.idleKeepAlive?.kbPerConnection, 1),
        r.idleKeepAlive === undefined ? '–' : String(r.idleKeepAlive.closedByServer),
        cell(r.idleTunnel?.kbPerConnection, 1),
        r.idleTunnel === undefined ? '–' : String(r.idleTunnel.closedByServer),
        r.rssAfterLoadMiB === undefined ? '–' : `${r.rssAfterLoadMiB.toFixed(0)} MiB`,
      ]),
    ),
  );
  out.push("  * direct: CPU and memory are the origin's (nginx), the physical limit of this layout.");
  out.push('  "closed": connections the server closed while they were held idle (most in one run).');

  const compared = comparedTargets(results);
  if (squid !== undefined && compared.length > 0) {
    const row = (name: string, ratios: Ratios) => [name, ...RATIO_KEYS.map((key) => times(ratios[key]))];
    section(
      'Ratios per round (×Squid measured in the same round)',
      table(
        ['target, round', 'small req/s', 'GET MiB/s', 'CONNECT MiB/s'],
        compared.flatMap((name) => [
          ...rounds.map((record) => row(`${name}, round ${record.round}`, roundRatios(record, name))),
          ...(rounds.length > 1 ? [row(`${name}, median`, medianRatios(rounds, name))] : []),
        ]),
      ),
    );
  }

  const checkedTargets = [...new Set(goals.map((g) => g.target))];
  if (checkedTargets.length > 0) {
    const rows = GOALS.map((goal) => [
      goal.label,
      ...checkedTargets.map((target) => {
        const check = goals.find((g) => g.goal === goal.id && g.target === target);
        if (check?.value === undefined) return '–';
        const value = goal.unit === 'KB' ? `${check.value.toFixed(1)} KB` : `${check.value.toFixed(2)}×`;
        return `${value} ${check.pass === true ? 'PASS' : 'MISS'}`;
      }),
    ]);
    section(
      squid === undefined
        ? 'Targets (no Squid figures in this run: ratios cannot be judged)'
        : 'Targets (issue 2), against Squid in this run: speed is the median of the per-round ratios',
      table(['goal', ...checkedTargets], rows),
    );
  }

  const problems = results.flatMap((r) => [
    ...(r.skipped === undefined ? [] : [`${r.name}: skipped: ${r.skipped}`]),
    ...r.errors.map((e) => `${r.name}: ${e}`),
    ...r.notes.map((n) => `${r.name}: note: ${n}`),
  ]);
  if (problems.length > 0) section('Skipped, failed and noted', problems);
  return `${out.join('\n')}\n`;
}
