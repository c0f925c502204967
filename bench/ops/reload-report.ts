import { MiB } from '../lib/origin.js';
import { table } from '../lib/report.js';
import type { PhaseResult } from './reload-phases.js';
import type { LoadCounts } from './reload-requests.js';
import { verdict } from './section.js';

/** The reloads section's table and target lines. */

const RSS_TARGET_MIB = 10;

/** Requests (or transfers) that failed in a phase, by what went wrong. */
export function failuresOf(phase: PhaseResult): Record<string, number> {
  if (phase.counts !== undefined) return { ...phase.counts.failed };
  const failed: Record<string, number> = {};
  for (const t of phase.transfers ?? []) {
    if (t.exact) continue;
    const reason = `${t.kind} ${t.failure ?? 'wrong bytes'}`;
    failed[reason] = (failed[reason] ?? 0) + 1;
  }
  return failed;
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
const rssMiB = (bytes: number) => (bytes / MiB).toFixed(1);
const growthMiB = (p: PhaseResult) => (p.after.rssBytes - p.before.rssBytes) / MiB;
const described = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([reason, n]) => `${n} ${reason}`)
    .join(', ') || '0';

function row(p: PhaseResult): string[] {
  const transfers = p.transfers ?? [];
  const done = p.counts?.requests ?? transfers.length;
  const ok = p.counts?.ok ?? transfers.filter((t) => t.exact).length;
  const slowestTransfer = Math.max(0, ...transfers.map((t) => t.seconds));
  const rate = (counts: LoadCounts | undefined, seconds: number) =>
    counts === undefined ? '–' : (counts.ok / seconds).toFixed(0);
  return [
    `${p.server}, ${p.load}`,
    rate(p.warmUp, p.warmUpSeconds),
    rate(p.counts, p.loadSeconds),
    String(done),
    String(ok),
    described(failuresOf(p)),
    p.counts === undefined ? `${slowestTransfer.toFixed(1)} s` : String(p.counts.connections),
    `${p.tally.applied}/${p.tally.refused}/${p.tally.unexpected}`,
    p.tally.slowestMs.toFixed(0),
    `${rssMiB(p.before.rssBytes)} → ${rssMiB(p.after.rssBytes)}`,
    `${p.before.handles} → ${p.after.handles}`,
  ];
}

export interface ReportContext {
  readonly count: number;
  readonly intervalMs: number;
  readonly transferMiB: number;
  readonly transferSeconds: number;
  /** pmproxy_reloads_total by result after all phases. */
  readonly metrics: Record<string, number> | string;
  /** What Squid did on a raw SIGHUP with a broken squid.conf. */
  readonly squidRawSighup: string | undefined;
}

export function reloadReport(phases: readonly PhaseResult[], context: ReportContext): string[] {
  const lines = [
    `${context.count} reloads ${context.intervalMs} ms apart under each load (every 10th a broken ` +
      'configuration); pmproxy by SIGHUP, Squid by squid -k reconfigure:',
    '  (i) 50 keep-alive connections, (ii) 8 loops of Connection: close, both at full rate on small.txt;',
    `  (iii) 4 proxied GETs and 4 CONNECT tunnels of ${context.transferMiB} MiB each, paced to last ` +
      `${context.transferSeconds} s, every byte checked in place.`,
    ...table(
      [
        'server, load',
        'ok/s alone',
        'ok/s reloads',
        'requests',
        'exact',
        'failed',
        'conns / slowest',
        'reloads ok/refused/odd',
        'slowest reload ms',
        'RSS MiB',
        'handles',
      ],
      phases.map(row),
    ).map((l) => `  ${l}`),
    '  ok/s alone: in the warm-up, the same load as long without reloads; ok/s reloads: during the series.',
    '  conns: TCP connections the clients opened (above 50 for keep-alive: the server closed some);',
    '  slowest: the longest transfer; odd: a reload with no outcome in 10 s, or not the planned one.',
  ];
  const pmproxy = phases.filter((p) => p.server === 'pmproxy');
  const squid = phases.filter((p) => p.server !== 'pmproxy');
  const failedOf = (list: readonly PhaseResult[]) => list.reduce((n, p) => n + total(failuresOf(p)), 0);
  const pmFailed = failedOf(pmproxy);
  lines.push(
    `  failed requests and transfers, pmproxy: ${pmFailed} (target 0; Squid: ${squid.length === 0 ? '–' : failedOf(squid)}): ` +
      verdict(pmFailed === 0),
  );
  const inexact = pmproxy.reduce(
    (n, p) => n + (p.counts?.failed['wrong body'] ?? 0) + (p.transfers ?? []).filter((t) => !t.exact).length,
    0,
  );
  lines.push(`  bodies not byte-exact, pmproxy: ${inexact} (target 0): ${verdict(inexact === 0)}`);
  const broken = pmproxy.reduce((n, p) => n + p.tally.brokenSent, 0);
  const refused = pmproxy.reduce((n, p) => n + p.tally.refused, 0);
  const good = pmproxy.reduce((n, p) => n + p.tally.sent - p.tally.brokenSent, 0);
  const applied = pmproxy.reduce((n, p) => n + p.tally.applied, 0);
  lines.push(
    `  pmproxy: broken configurations refused ${refused} of ${broken}, good ones applied ${applied} of ${good}: ` +
      verdict(refused === broken && applied === good),
  );
  lines.push(
    `  pmproxy_reloads_total after all loads: ${typeof context.metrics === 'string' ? context.metrics : JSON.stringify(context.metrics)}` +
      ' (counted since pmproxy started, the warm-ups had none)',
  );
  for (const p of pmproxy) {
    const growth = growthMiB(p);
    const handlesOk = p.after.handles <= p.before.handles;
    lines.push(
      `  pmproxy, ${p.load}: RSS ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MiB (target ≤ +${RSS_TARGET_MIB}): ` +
        `${verdict(growth <= RSS_TARGET_MIB)}; handles ${p.before.handles} → ${p.after.handles} ` +
        `(target: no more than before): ${verdict(handlesOk)}`,
    );
  }
  if (squid.length > 0) {
    const sum = (pick: (p: PhaseResult) => number) => squid.reduce((n, p) => n + pick(p), 0);
    lines.push(
      `  Squid: squid -k reconfigure refused ${sum((p) => p.tally.refused)} of ${sum((p) => p.tally.brokenSent)} ` +
        'broken squid.conf (the -k client parses the file and exits 1 without signalling); ' +
        `${sum((p) => p.tally.applied)} of ${sum((p) => p.tally.sent - p.tally.brokenSent)} good ones ` +
        'reconfigured and listening again',
    );
  }
  if (context.squidRawSighup !== undefined) {
    lines.push(`  Squid on a raw SIGHUP (kill -HUP) with the broken squid.conf: ${context.squidRawSighup}`);
  }
  return lines;
}
