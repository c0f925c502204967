/**
 * `npm run bench:ops` (through bench/ops.sh): the load and fault figures of operations — reloads
 * and restarts under load, slow and idle clients, a soak, kill -9, a locked store and a full disk.
 * Each section runs on ports of its own and stops what it started. See bench/README.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { OUT_DIR } from './lib/layout.js';
import { runBench } from './lib/processes.js';
import { runRecord } from './lib/run-record.js';
import { SECTIONS } from './ops/sections.js';
import type { OpsOptions, SectionResult } from './ops/section.js';

const say = (text: string) => process.stdout.write(`${text}\n`);

function usage(): string {
  return [
    'npm run bench:ops [-- --quick] [-- --only NAME,…] [-- --soak-minutes N] [-- --no-build]',
    '  --quick           fewer repetitions and shorter holds (a smoke run)',
    '  --only NAME,…     run only these sections',
    '  --soak-minutes N  how long the soak runs (default 10; 1 with --quick)',
    'sections:',
    ...SECTIONS.map((section) => `  ${section.name.padEnd(10)} ${section.summary}`),
  ].join('\n');
}

interface Parsed {
  readonly options: OpsOptions;
  readonly only: readonly string[] | undefined;
}

function parse(args: readonly string[]): Parsed | string {
  const quick = args.includes('--quick');
  const value = (flag: string) => {
    const at = args.indexOf(flag);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const soakText = value('--soak-minutes');
  const soakMinutes = soakText === undefined ? (quick ? 1 : 10) : Number(soakText);
  if (!Number.isFinite(soakMinutes) || soakMinutes <= 0)
    return '--soak-minutes takes a number of minutes above 0';
  const onlyText = value('--only');
  const only = onlyText?.split(',').filter((name) => name !== '');
  const unknown = only?.filter((name) => !SECTIONS.some((section) => section.name === name)) ?? [];
  if (unknown.length > 0) return `--only: no section named ${unknown.join(', ')}`;
  return { options: { quick, soakMinutes }, only };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('-h') || args.includes('--help')) {
    say(usage());
    return 0;
  }
  const parsed = parse(args);
  if (typeof parsed === 'string') {
    process.stderr.write(`${parsed}\n\n${usage()}\n`);
    return 2;
  }
  const { options, only } = parsed;
  const started = new Date();
  const load = loadavg()[0]!;
  say(
    `pmproxy bench:ops: ${started.toISOString()}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ` +
      `Node ${process.version}${options.quick ? ', --quick' : ''}`,
  );
  if (load > 0.5)
    say(`warning: load average ${load.toFixed(2)} before starting: other work will skew the figures`);

  const results: Record<string, SectionResult['figures'] | { failed: string }> = {};
  let failures = 0;
  for (const section of SECTIONS) {
    if (only !== undefined && !only.includes(section.name)) continue;
    say(`\n── ${section.name}: ${section.summary}`);
    const sectionStarted = Date.now();
    try {
      const result = await section.run(options);
      for (const line of result.lines) say(line);
      results[section.name] = result.figures;
    } catch (err) {
      failures += 1;
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      say(`${section.name} failed: ${message}`);
      results[section.name] = { failed: message };
    }
    say(`(${section.name}: ${((Date.now() - sectionStarted) / 1000).toFixed(0)} s)`);
  }

  mkdirSync(OUT_DIR, { recursive: true });
  const file = join(OUT_DIR, 'ops-results.json');
  const record = {
    ...runRecord(started, load, ['nginx', 'squid', 'curl', 'slowhttptest']),
    options,
    results,
  };
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  say(`\nresults: ${file}`);
  return failures === 0 ? 0 : 1;
}

runBench(main);
