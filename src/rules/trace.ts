import type { Decision, TraceEntry } from './decision.js';

/**
 * A trace on one line, for logs and plain-text deny pages:
 * `sessions:sessionIPM ✓ (alice logged in at 10.0.0.1), down:dwnConsR ✗ (quota used up)`.
 * An unknown answer shows as "?".
 */
export function describeTrace(trace: readonly TraceEntry[]): string {
  return trace
    .map((entry) => {
      const mark = entry.match === undefined ? '?' : entry.match ? '✓' : '✗';
      const reason = entry.reason === undefined ? '' : ` (${entry.reason})`;
      return `${entry.name}:${entry.kind} ${mark}${reason}`;
    })
    .join(', ');
}

/**
 * The manager a denial is put down to, for logs and metrics: a used-up quota first (what the person
 * can do something about), then, for a 407, the proxyAuth that asked for credentials, else the
 * first that said no.
 */
export function decidingManager(decision: Pick<Decision, 'trace' | 'challenge'>): string | undefined {
  const { trace } = decision;
  const challenger =
    decision.challenge === undefined
      ? undefined
      : trace.find((e) => e.kind === 'proxyAuth' && e.match === false);
  return (trace.find((e) => e.quotaExhausted === true) ?? challenger ?? trace.find((e) => e.match === false))
    ?.name;
}

/** The reached managers that said no, which a deny page names. */
export function refusals(trace: readonly TraceEntry[]): TraceEntry[] {
  return trace.filter((entry) => entry.match === false);
}
