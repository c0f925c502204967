/**
 * `npm run bench` (through bench/run.sh): pmproxy against Squid and the origin alone, with the
 * method of perf-security.md §A3. See bench/README.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { checkGoals } from './lib/goals.js';
import { OUT_DIR, RESULTS_FILE } from './lib/layout.js';
import { parseOptions, USAGE } from './lib/options.js';
import { MiB, directTarget, prepareFiles, startOrigin } from './lib/origin.js';
import { pinningWorks, runBench } from './lib/processes.js';
import { runRecord } from './lib/run-record.js';
import { report } from './lib/report.js';
import { comparedTargets, roundRatios, runRounds } from './lib/rounds.js';
import { chooseTargets } from './lib/targets.js';

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  const targets = chooseTargets(options.alternatives, options.only);
  mkdirSync(OUT_DIR, { recursive: true });

  const started = new Date();
  const load = loadavg()[0]!;
  process.stdout.write(
    `pmproxy bench: ${started.toISOString()}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}` +
      `${options.quick ? ', --quick' : ''}\n`,
  );
  if (!pinningWorks())
    process.stdout.write('warning: fewer than 2 CPUs: nothing is pinned; figures mix proxy and load\n');
  if (load > 0.5) {
    process.stdout.write(
      `warning: load average ${load.toFixed(2)} before starting: other work will skew the figures\n`,
    );
  }

  const bigFile = await prepareFiles(options.bigFileMiB);
  const origin = await startOrigin();
  const suite = {
    runs: options.runs,
    wrkSeconds: options.wrkSeconds,
    warmupSeconds: options.warmupSeconds,
    bigFile,
    bigFileBytes: options.bigFileMiB * MiB,
    idleConnections: options.idleConnections,
    idleHoldSeconds: options.idleHoldSeconds,
  };

  const { results, rounds } = await runRounds(
    [...(options.direct ? [directTarget(origin)] : []), ...targets],
    suite,
  );

  const goals = checkGoals(results, rounds);
  process.stdout.write(report(results, goals, suite, rounds));
  const json = {
    ...runRecord(started, load, ['nginx', 'squid', 'wrk', 'curl', 'tinyproxy']),
    method: {
      ...suite,
      quick: options.quick,
      order:
        'rounds: each of the runs measures every target once, in turn, on a fresh instance; ' +
        'idle memory afterwards, runs per target',
      goalRatios: 'median of the per-round ratios to Squid',
      reference: 'shared/research/perf-security.md §A3',
    },
    results,
    rounds: rounds.map((record) => ({
      ...record,
      ratiosToSquid: Object.fromEntries(
        comparedTargets(results).map((name) => [name, roundRatios(record, name)]),
      ),
    })),
    goals,
  };
  writeFileSync(RESULTS_FILE, `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(`\nresults: ${RESULTS_FILE}\n`);
  return 0;
}

runBench(main);
