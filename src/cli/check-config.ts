import { parseArgs } from 'node:util';
import { EX_CONFIG, formatIssue } from '../config/issues.js';
import { inspectConfig } from '../config/load.js';
import { configDirFrom } from './config-dir.js';
import { dryBuild } from '../config/dry-build.js';

/**
 * Runs every check the server runs at start: parsing, then building every manager and rule as start
 * does (reading the files they name), without serving or touching the store. One line per warning
 * and error (`managers.toml:12: dwnConsR[0].groupQuota.group0: …`), then a summary.
 */
export async function checkConfig(dir: string): Promise<{ ok: boolean; output: string }> {
  const report = inspectConfig(dir);
  const errors = [...report.errors];
  if (report.config !== undefined) errors.push(...(await dryBuild(report.config)));
  const lines = [
    ...report.warnings.map((w) => `warning: ${formatIssue(w)}`),
    ...errors.map((e) => formatIssue(e)),
  ];
  const ok = errors.length === 0;
  const warnings = plural(report.warnings.length, 'warning');
  lines.push(
    ok
      ? `configuration in ${report.config?.dir ?? dir} is valid (${warnings})`
      : `configuration in ${dir} has ${plural(errors.length, 'error')} and ${warnings}`,
  );
  return { ok, output: `${lines.join('\n')}\n` };
}

/** `pmproxy check-config [--config DIR]`: exit status 0, or 78 (EX_CONFIG) when there are errors. */
export async function runCheckConfig(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string', short: 'c' } },
    strict: true,
  });
  const result = await checkConfig(configDirFrom(values.config));
  (result.ok ? process.stdout : process.stderr).write(result.output);
  return result.ok ? 0 : EX_CONFIG;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
