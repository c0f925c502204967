import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { FileRoute } from './files-routes.js';
import type { Transfer } from './files-transfers.js';
import { cpuSeconds, rssBytes } from './proc-stats.js';
import { summarize, type Summary } from './stats.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** How often memory is read during an upload. */
const RSS_SAMPLE_MS = 100;

export interface FileMeasureOptions {
  readonly runs: number;
  readonly bytes: number;
  /** Drop the page cache before each download, and read the source back in before each upload. */
  readonly cold: boolean;
  /** Reads the source file through, so that it is in the page cache for the next upload. */
  readonly warmSource: () => Promise<void>;
}

export interface DirectionResult {
  readonly mibPerSecond: Summary;
  /** The server's CPU (or dd's own) per GiB moved. */
  readonly cpuSecondsPerGiB: Summary | undefined;
}

export interface UploadResult extends DirectionResult {
  /** The server's VmRSS just before each upload, in MiB. */
  readonly idleRssMiB: Summary | undefined;
  /** Highest VmRSS sampled during each upload minus the idle figure before it, in MiB. */
  readonly rssGrowthMiB: Summary | undefined;
  /**
   * The same for the uncounted first upload: on a server that has just started (pmproxy's plain
   * route comes first) this is where its heap grows to its working size, from the true idle figure.
   */
  readonly warmupIdleRssMiB: number | undefined;
  readonly warmupRssGrowthMiB: number | undefined;
}

export interface RouteResult {
  readonly name: string;
  readonly label: string;
  upload?: UploadResult;
  download?: DirectionResult;
  /** Why nothing (or only part) was measured. */
  readonly errors: string[];
}

const say = (text: string) => process.stdout.write(`${text}\n`);
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Dirty pages of an earlier measurement are written back before the next one starts, so no
 * measurement pays for another's writeback. Not timed.
 */
function settleDisk(): void {
  execFileSync('sync');
}

/** `echo 1 > /proc/sys/vm/drop_caches` after a sync: the page cache is emptied (root only). */
export function dropPageCache(): void {
  settleDisk();
  writeFileSync('/proc/sys/vm/drop_caches', '1\n');
}

/** The highest VmRSS of `pid` read every RSS_SAMPLE_MS while `work` runs. */
async function withPeakRss<T>(pid: number, work: () => Promise<T>): Promise<{ value: T; peak: number }> {
  let peak = rssBytes(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), RSS_SAMPLE_MS);
  try {
    const value = await work();
    peak = Math.max(peak, rssBytes(pid));
    return { value, peak };
  } finally {
    clearInterval(timer);
  }
}

function check(what: string, got: Transfer, statuses: readonly number[], bytes: number): void {
  if (!statuses.includes(got.status) || got.bytes !== bytes) {
    throw new Error(`${what}: HTTP ${got.status}, ${got.bytes} of ${bytes} bytes`);
  }
}

const mibps = (t: Transfer) => t.bytesPerSecond / MiB;

/**
 * One uncounted upload and download first, for every route alike (a Node server runs its first
 * transfer before the JIT has compiled its hot path); then `runs` of each, each on a new name,
 * deleted before the next.
 */
export async function measureRoute(route: FileRoute, options: FileMeasureOptions): Promise<RouteResult> {
  const result: RouteResult = { name: route.name, label: route.label, errors: [] };
  const speeds = { up: [] as number[], down: [] as number[] };
  const cpu = { up: [] as number[], down: [] as number[] };
  const idle: number[] = [];
  const growth: number[] = [];
  let warmup: { idle: number; growth: number } | undefined;
  let downloads = route.download;
  const gib = options.bytes / GiB;
  say(`${route.name}: ${route.label}`);

  const once = async (run: number): Promise<void> => {
    const counted = run > 0;
    const tag = counted ? `${run}/${options.runs}` : 'warm-up';
    const name = `${route.name}-${counted ? run : 'warmup'}-${randomBytes(4).toString('hex')}.bin`;
    const server = route.server();
    try {
      if (options.cold) await options.warmSource();
      settleDisk();
      const idleRss = server === undefined ? undefined : rssBytes(server.pid);
      const cpuBefore = server === undefined ? 0 : cpuSeconds(server.pid);
      const { value: up, peak } =
        server === undefined
          ? { value: await route.upload(name), peak: 0 }
          : await withPeakRss(server.pid, () => route.upload(name));
      const upCpu = server === undefined ? up.ownCpuSeconds : cpuSeconds(server.pid) - cpuBefore;
      check('upload', up, route.uploadStatuses, options.bytes);
      const grown = idleRss === undefined ? undefined : (peak - idleRss) / MiB;
      say(
        `  upload ${tag}: ${mibps(up).toFixed(0)} MiB/s` +
          (upCpu === undefined ? '' : `, ${(upCpu / gib).toFixed(2)} CPU s/GiB`) +
          (grown === undefined
            ? ''
            : `, RSS +${grown.toFixed(1)} MiB over ${(idleRss! / MiB).toFixed(0)} MiB`) +
          (counted ? '' : ' (not counted)'),
      );
      if (counted) {
        speeds.up.push(mibps(up));
        if (upCpu !== undefined) cpu.up.push(upCpu / gib);
        if (idleRss !== undefined && grown !== undefined) {
          idle.push(idleRss / MiB);
          growth.push(grown);
        }
      } else if (idleRss !== undefined && grown !== undefined) {
        warmup = { idle: idleRss / MiB, growth: grown };
      }
      if (downloads === undefined) return;
      if (options.cold) dropPageCache();
      const downCpuBefore = server === undefined ? 0 : cpuSeconds(server.pid);
      const down = await downloads(name);
      const downCpu = server === undefined ? down.ownCpuSeconds : cpuSeconds(server.pid) - downCpuBefore;
      if (down.status === 404 || down.status === 405) {
        result.errors.push(`download: GET answered ${down.status} (a build without downloads?)`);
        say(`  download ${tag}: GET answered ${down.status}; downloads are not measured`);
        downloads = undefined;
        return;
      }
      check('download', down, [0, 200], options.bytes);
      say(
        `  download ${tag}: ${mibps(down).toFixed(0)} MiB/s` +
          (downCpu === undefined ? '' : `, ${(downCpu / gib).toFixed(2)} CPU s/GiB`) +
          (counted ? '' : ' (not counted)'),
      );
      if (counted) {
        speeds.down.push(mibps(down));
        if (downCpu !== undefined) cpu.down.push(downCpu / gib);
      }
    } finally {
      route.remove(name);
    }
  };

  try {
    for (let run = 0; run <= options.runs; run++) await once(run);
  } catch (err) {
    result.errors.push(errorText(err));
    say(`  failed: ${errorText(err)}`);
  }
  const upSpeed = summarize(speeds.up);
  if (upSpeed !== undefined) {
    result.upload = {
      mibPerSecond: upSpeed,
      cpuSecondsPerGiB: summarize(cpu.up),
      idleRssMiB: summarize(idle),
      rssGrowthMiB: summarize(growth),
      warmupIdleRssMiB: warmup?.idle,
      warmupRssGrowthMiB: warmup?.growth,
    };
  }
  const downSpeed = summarize(speeds.down);
  if (downSpeed !== undefined) {
    result.download = { mibPerSecond: downSpeed, cpuSecondsPerGiB: summarize(cpu.down) };
  }
  return result;
}
