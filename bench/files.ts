/**
 * `npm run bench:files` (through bench/files.sh): a file's upload and download through pmproxy's
 * file server, against dd writing and reading the same bytes and nginx serving the same file, in one
 * run. See bench/README.md.
 */
import { createReadStream, mkdirSync, statfsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { measureRoute, type RouteResult } from './lib/files-measure.js';
import { FILES_USAGE, parseFilesOptions, type FilesBenchOptions } from './lib/files-options.js';
import { filesReport, memoryVerdict } from './lib/files-report.js';
import {
  ddRoute,
  nginxRoute,
  pmproxyRoute,
  type FileRoute,
  type PmproxyListener,
} from './lib/files-routes.js';
import {
  DD_DIR,
  FILES_DIR,
  FILES_RESULTS_FILE,
  emptyDir,
  pmproxyFilesConfig,
  pmproxyMissing,
  startNginx,
  startPmproxy,
} from './lib/files-servers.js';
import { WWW_DIR } from './lib/layout.js';
import { MiB, prepareFiles } from './lib/origin.js';
import { sha256CpuSecondsPerGiB } from './lib/files-transfers.js';
import { pinningWorks, runBench, stop, type Running } from './lib/processes.js';
import { runRecord } from './lib/run-record.js';

const say = (text: string) => process.stdout.write(`${text}\n`);
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A route whose server could not start is reported with the reason, not dropped silently. */
function failed(route: FileRoute, reason: string): RouteResult {
  say(`${route.name}: not measured: ${reason}`);
  return { name: route.name, label: route.label, errors: [reason] };
}

/** Every route in the order measured: baselines first, then pmproxy on one process for both listeners. */
async function measureAll(options: FilesBenchOptions, source: string): Promise<RouteResult[]> {
  const bytes = options.sizeMiB * MiB;
  // A tenth of the disk's slowest plausible speed (10 MiB/s) per transfer: stuck, not slow.
  const context = { source, bytes, maxSeconds: Math.max(120, Math.ceil(options.sizeMiB / 10)) };
  const measure = {
    runs: options.runs,
    bytes,
    cold: options.cold,
    warmSource: () => readThrough(source),
  };
  const results: RouteResult[] = [];
  emptyDir(DD_DIR);
  results.push(await measureRoute(ddRoute(context, false), measure));
  results.push(await measureRoute(ddRoute(context, true), measure));

  let nginx: Running | undefined;
  const nginxBench = nginxRoute(context, () => nginx);
  try {
    nginx = await startNginx();
    results.push(await measureRoute(nginxBench, measure));
  } catch (err) {
    results.push(failed(nginxBench, `did not start: ${errorText(err)}`));
  } finally {
    if (nginx !== undefined) await stop(nginx);
  }

  const config = pmproxyFilesConfig();
  let pmproxy: Running | undefined;
  const listeners: PmproxyListener[] = options.https ? ['plain', 'https-h2', 'https-h1'] : ['plain'];
  const routes = listeners.map((listener) => pmproxyRoute(context, config, listener, () => pmproxy));
  const missing = pmproxyMissing();
  try {
    if (missing !== undefined) throw new Error(missing);
    pmproxy = await startPmproxy(config);
    for (const route of routes) results.push(await measureRoute(route, measure));
  } catch (err) {
    for (const route of routes.filter((r) => !results.some((m) => m.name === r.name))) {
      results.push(failed(route, `did not start: ${errorText(err)} (see bench/out/logs/pmproxy-files.log)`));
    }
  } finally {
    if (pmproxy !== undefined) await stop(pmproxy);
  }
  return results;
}

/** Reads a file through to nothing, leaving it in the page cache. */
async function readThrough(path: string): Promise<void> {
  await pipeline(createReadStream(path), new Writable({ write: (_chunk, _enc, done) => done() }));
}

async function main(): Promise<number> {
  let options: FilesBenchOptions;
  try {
    options = parseFilesOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${errorText(err)}\n\n${FILES_USAGE}`);
    return 2;
  }
  mkdirSync(FILES_DIR, { recursive: true });
  const started = new Date();
  const load = loadavg()[0]!;
  const sizeLabel = options.sizeMiB % 1024 === 0 ? `${options.sizeMiB / 1024} GiB` : `${options.sizeMiB} MiB`;
  say(
    `pmproxy file bench: ${started.toISOString()}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ` +
      `Node ${process.version}, ${sizeLabel}, ${options.runs} run(s)${options.cold ? ', --cold' : ''}`,
  );
  if (!pinningWorks()) say('warning: fewer than 2 CPUs: nothing is pinned; figures mix server and load');
  if (load > 0.5)
    say(`warning: load average ${load.toFixed(2)} before starting: other work will skew the figures`);
  // The source, dd's copy and one server's copy (plus its temporary file) at a time.
  const free = statfsSync(FILES_DIR);
  if (free.bavail * free.bsize < 4 * options.sizeMiB * MiB) {
    throw new Error(`bench/out needs ${4 * options.sizeMiB} MiB free for a ${sizeLabel} file`);
  }
  if (options.cold) say('--cold: the page cache is dropped before every download');

  // The proxy bench's file of random bytes (bench/out/www), made once and kept: the same disk as
  // every store of this bench, and incompressible, so no layer gets it cheaper than real content.
  const source = join(WWW_DIR, await prepareFiles(options.sizeMiB));
  const results = await measureAll(options, source);
  const hashCost = await sha256CpuSecondsPerGiB();
  const verdict = memoryVerdict(results, options.sizeMiB);
  const reportContext = {
    runs: options.runs,
    sizeLabel,
    cold: options.cold,
    sha256CpuSecondsPerGiB: hashCost,
  };
  process.stdout.write(filesReport(results, verdict, reportContext));

  const json = {
    ...runRecord(started, load, ['nginx', 'curl', 'dd']),
    method: { ...options, bytes: options.sizeMiB * MiB, source },
    results,
    memory: verdict,
    sha256CpuSecondsPerGiB: hashCost,
  };
  writeFileSync(FILES_RESULTS_FILE, `${JSON.stringify(json, null, 2)}\n`);
  say(`\nresults: ${FILES_RESULTS_FILE}`);
  return results.some((r) => r.errors.length > 0) ? 1 : 0;
}

runBench(main);
