/**
 * One measurement of `npm run bench:ops` (bench/ops.ts runs them in turn). Each section starts what
 * it measures on ports of its own (ports.ts), stops everything it started before it returns, and
 * hands back the lines it prints and the figures bench/out/ops-results.json keeps.
 */
export interface OpsOptions {
  /** A smoke run: fewer repetitions, shorter holds, a smaller file. */
  readonly quick: boolean;
  /** How long the soak runs, in minutes. */
  readonly soakMinutes: number;
}

export interface SectionResult {
  /** The report's lines for this section: a heading, a table, the targets met or missed. */
  readonly lines: readonly string[];
  /** Everything measured, for ops-results.json. */
  readonly figures: Record<string, unknown>;
}

export interface OpsSection {
  /** What `--only` names it by. */
  readonly name: string;
  /** One line for the usage text. */
  readonly summary: string;
  run(options: OpsOptions): Promise<SectionResult>;
}

/** "target ≤ 10 MiB: met" or "… MISSED", for the report's last line of each figure. */
export function verdict(met: boolean): string {
  return met ? 'met' : 'MISSED';
}
