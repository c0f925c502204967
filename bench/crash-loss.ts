/**
 * `npm run bench:crash` (through bench/crash.sh): what a kill -9 costs the accounting, and what
 * writing it every second costs the proxy. See bench/README.md.
 *
 * 1. Crash loss: a 10 MiB/s download through pmproxy (bench/config: proxy authentication and a
 *    download quota), kill -9 at 15 s, a restart; bytes delivered against bytes persisted, with
 *    `[store] consumptionInterval` at its default (1s) and at 30s (the bench's persistInterval,
 *    which was the only interval before).
 * 2. Flush cost: CPU per GiB of a GET through pmproxy with consumptionInterval 1s against 60s,
 *    interleaved in rounds, each round on fresh instances.
 * 3. One write's cost against the number of accounts charged within a second.
 */
import { cpus, loadavg } from 'node:os';
import {
  CREDENTIALS,
  PROXY_PORT,
  crashConfig,
  getThrough,
  persistedBytes,
  pmproxyMissing,
  startOrigin,
  startPmproxy,
  type CrashConfig,
} from './lib/crash-servers.js';
import { writePendingMs } from './lib/flush-cost.js';
import { MiB, prepareFiles } from './lib/origin.js';
import { fetchThrough, pacedOrigin } from './lib/paced-download.js';
import { cpuSeconds } from './lib/proc-stats.js';
import { runBench, stop } from './lib/processes.js';
import { cell, table } from './lib/report.js';
import { ratio, summarize } from './lib/stats.js';

const USAGE = `npm run bench:crash [-- --quick] [-- --runs N] [-- --no-build]
  --quick    kill at 8 s, a 256 MiB GET, 1 round
  --runs N   rounds of the flush-cost GETs (default 3)`;

const say = (text: string) => process.stdout.write(`${text}\n`);
const RATE = 10 * MiB;

interface Options {
  readonly killAfterSeconds: number;
  readonly getMiB: number;
  readonly runs: number;
}

function parseOptions(args: readonly string[]): Options | undefined {
  const quick = args.includes('--quick');
  const at = args.indexOf('--runs');
  const runs = at >= 0 ? Number(args[at + 1]) : quick ? 1 : 3;
  if (args.includes('-h') || args.includes('--help') || !Number.isInteger(runs) || runs < 1) return undefined;
  return { killAfterSeconds: quick ? 8 : 15, getMiB: quick ? 256 : 1024, runs };
}

interface CrashRow {
  readonly label: string;
  readonly delivered: number;
  readonly seconds: number;
  readonly persisted: number;
  readonly afterRestart: number;
}

/** One download killed mid-way, then a restart over the same store. */
async function crashOnce(config: CrashConfig, options: Options): Promise<CrashRow> {
  const origin = await pacedOrigin(RATE);
  try {
    const server = await startPmproxy(config, 'pmproxy-crash');
    const got = await fetchThrough(PROXY_PORT, CREDENTIALS, origin.url, {
      seconds: options.killAfterSeconds,
      then: () => server.child.kill('SIGKILL'),
    });
    await server.exited;
    const persisted = persistedBytes(config);
    const restarted = await startPmproxy(config, 'pmproxy-restarted');
    const afterRestart = persistedBytes(config);
    await stop(restarted);
    return { label: config.label, delivered: got.bytes, seconds: got.seconds, persisted, afterRestart };
  } finally {
    origin.close();
  }
}

function crashReport(rows: readonly CrashRow[]): string[] {
  const mib = (bytes: number) => (bytes / MiB).toFixed(1);
  return table(
    ['kill -9 during a download', 'delivered MiB', 'persisted MiB', 'after restart', 'lost MiB', 'lost s'],
    rows.map((r) => {
      const rate = r.delivered / r.seconds;
      const lost = Math.max(0, r.delivered - r.persisted);
      return [
        r.label,
        mib(r.delivered),
        mib(r.persisted),
        mib(r.afterRestart),
        mib(lost),
        (lost / rate).toFixed(2),
      ];
    }),
  );
}

/** CPU seconds per GiB of GETs through a fresh instance: one uncounted, two counted. */
async function getCpuPerGiB(config: CrashConfig, file: string, bytes: number): Promise<number[]> {
  const server = await startPmproxy(config, 'pmproxy-get');
  try {
    await getThrough(file);
    const samples: number[] = [];
    for (let i = 0; i < 2; i++) {
      const before = cpuSeconds(server.pid);
      const got = await getThrough(file);
      if (got.status !== 200 || got.bytes !== bytes)
        throw new Error(`GET gave ${got.status}, ${got.bytes} B`);
      samples.push((cpuSeconds(server.pid) - before) / (bytes / (1024 * MiB)));
    }
    return samples;
  } finally {
    await stop(server);
  }
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options === undefined) {
    say(USAGE);
    return 2;
  }
  const missing = pmproxyMissing();
  if (missing !== undefined) throw new Error(missing);
  const load = loadavg()[0] ?? 0;
  say(`bench:crash on ${cpus().length} cores, load average ${load.toFixed(2)}`);
  if (load > 1) say('warning: the machine is already busy; CPU figures will be noisy');

  const everySecond = crashConfig('1s');
  const everyMinute = crashConfig('60s');
  const rows: CrashRow[] = [];
  for (const config of [everySecond, crashConfig('30s')]) {
    say(`crash: ${config.label}: 10 MiB/s, kill -9 at ${options.killAfterSeconds} s …`);
    rows.push(await crashOnce(config, options));
  }

  const file = await prepareFiles(options.getMiB);
  const nginx = await startOrigin();
  const cpu = new Map<CrashConfig, number[]>([
    [everySecond, []],
    [everyMinute, []],
  ]);
  try {
    for (let round = 0; round < options.runs; round++) {
      // Alternate which goes first, so neither always meets the machine warmer.
      const order = round % 2 === 0 ? [everySecond, everyMinute] : [everyMinute, everySecond];
      for (const config of order) {
        say(`flush cost: round ${round + 1}/${options.runs}, ${config.label}: GET ${file} …`);
        cpu.get(config)?.push(...(await getCpuPerGiB(config, file, options.getMiB * MiB)));
      }
    }
  } finally {
    await stop(nginx);
  }

  const perFlush = [100, 1_000, 10_000].map((n) => [n, writePendingMs(n, 20)] as const);

  say('');
  for (const line of crashReport(rows)) say(line);
  say('');
  const second = summarize(cpu.get(everySecond) ?? []);
  const minute = summarize(cpu.get(everyMinute) ?? []);
  const getRows = [
    [everySecond.label, cell(second, 3)],
    [everyMinute.label, cell(minute, 3)],
  ];
  for (const line of table(['GET through pmproxy', 'CPU s/GiB'], getRows)) say(line);
  const r = ratio(second, minute);
  say(`1s / 60s: ${r === undefined ? '–' : `${r.toFixed(3)}×`} (median of ${options.runs * 2} GETs each)`);
  say('');
  const flushRows = perFlush.map(([n, ms]) => [`${n.toLocaleString('en-US')} accounts`, cell(ms, 2)]);
  for (const line of table(['one write (writePending)', 'ms'], flushRows)) say(line);
  return 0;
}

runBench(main);
