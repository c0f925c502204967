import type { RouteResult } from './files-measure.js';
import { cell, table, times } from './report.js';
import { ratio } from './stats.js';

/**
 * An upload that buffered the body would grow the server by the file's size. Streaming holds a few
 * 64 KiB chunks at a time; measured on the development machine, a fresh pmproxy still grows by
 * 31–38 MiB during its first upload, the same for a 64 MiB and a 256 MiB file and with 8 or 32 MiB
 * semi-spaces (chunk buffers freed by the GC and kept by the allocator for reuse), and by under
 * 1 MiB during every later one. 64 MiB leaves room for that one-time growth and is a sixteenth of
 * what buffering a 1 GiB body would cost.
 */
export const FLAT_MEMORY_MIB = 64;

/** Below this size, buffering the body would not reach the threshold: the verdict proves nothing. */
const MIN_TELLING_MIB = 4 * FLAT_MEMORY_MIB;

export interface MemoryVerdict {
  readonly flat: boolean;
  /** The largest growth over every upload pmproxy took, the uncounted first ones included, in MiB. */
  readonly peakGrowthMiB: number;
  /** The first upload into the freshly started server: its idle VmRSS and its growth, in MiB. */
  readonly freshIdleRssMiB: number | undefined;
  readonly freshGrowthMiB: number | undefined;
  /** The largest growth over the counted uploads (the server already warm), in MiB. */
  readonly warmGrowthMiB: number | undefined;
  readonly thresholdMiB: number;
  /** Whether the file was large enough for the verdict to tell streaming from buffering. */
  readonly telling: boolean;
}

export function memoryVerdict(results: readonly RouteResult[], sizeMiB: number): MemoryVerdict | undefined {
  const uploads = results.filter((r) => r.name.startsWith('pmproxy')).flatMap((r) => r.upload ?? []);
  const growths = uploads.flatMap((u) => [
    ...(u.warmupRssGrowthMiB === undefined ? [] : [u.warmupRssGrowthMiB]),
    ...(u.rssGrowthMiB?.runs ?? []),
  ]);
  if (growths.length === 0) return undefined;
  const warm = uploads.flatMap((u) => u.rssGrowthMiB?.runs ?? []);
  // The routes share one process, started just before the first of them.
  const fresh = uploads[0];
  const peakGrowthMiB = Math.max(...growths);
  return {
    flat: peakGrowthMiB < FLAT_MEMORY_MIB,
    peakGrowthMiB,
    freshIdleRssMiB: fresh?.warmupIdleRssMiB,
    freshGrowthMiB: fresh?.warmupRssGrowthMiB,
    warmGrowthMiB: warm.length === 0 ? undefined : Math.max(...warm),
    thresholdMiB: FLAT_MEMORY_MIB,
    telling: sizeMiB >= MIN_TELLING_MIB,
  };
}

export interface FilesReportContext {
  readonly runs: number;
  readonly sizeLabel: string;
  readonly cold: boolean;
  /** Node's SHA-256 alone on the server core, CPU s/GiB. */
  readonly sha256CpuSecondsPerGiB: number | undefined;
}

export function filesReport(
  results: readonly RouteResult[],
  verdict: MemoryVerdict | undefined,
  context: FilesReportContext,
): string {
  const dd = results.find((r) => r.name === 'dd');
  const nginx = results.find((r) => r.name === 'nginx');
  const out: string[] = [];
  const section = (title: string, lines: string[]) => out.push('', title, ...lines.map((l) => `  ${l}`));
  const runs = `${context.runs} run(s): median [min..max]; ×dd and ×nginx are ratios of the medians`;

  section(
    `Upload of ${context.sizeLabel} (dd of=FILE, or curl -T to a PUT; ${runs})`,
    table(
      ['route', 'MiB/s', '×dd', '×nginx', 'CPU s/GiB', '×nginx', 'RSS growth MiB', '1st upload'],
      results
        .filter((r) => r.upload !== undefined)
        .map((r) => [
          r.label,
          cell(r.upload?.mibPerSecond, 0),
          times(ratio(r.upload?.mibPerSecond, dd?.upload?.mibPerSecond)),
          times(ratio(r.upload?.mibPerSecond, nginx?.upload?.mibPerSecond)),
          cell(r.upload?.cpuSecondsPerGiB, 2),
          times(ratio(r.upload?.cpuSecondsPerGiB, nginx?.upload?.cpuSecondsPerGiB)),
          cell(r.upload?.rssGrowthMiB, 1),
          r.upload?.warmupRssGrowthMiB === undefined ? '–' : r.upload.warmupRssGrowthMiB.toFixed(1),
        ]),
    ),
  );
  section(
    `Download of ${context.sizeLabel} (dd of=/dev/null, or curl -o /dev/null; ${context.cold ? 'page cache dropped before each' : 'each read right after it was written, from the page cache'})`,
    table(
      ['route', 'MiB/s', '×dd', '×nginx', 'CPU s/GiB', '×nginx'],
      results
        .filter((r) => r.download !== undefined)
        .map((r) => [
          r.label,
          cell(r.download?.mibPerSecond, 0),
          times(ratio(r.download?.mibPerSecond, dd?.download?.mibPerSecond)),
          times(ratio(r.download?.mibPerSecond, nginx?.download?.mibPerSecond)),
          cell(r.download?.cpuSecondsPerGiB, 2),
          times(ratio(r.download?.cpuSecondsPerGiB, nginx?.download?.cpuSecondsPerGiB)),
        ]),
    ),
  );
  out.push(
    "  CPU s/GiB: the server process (user + system, from /proc), or dd's own; curl's is not counted.",
  );
  if (context.sha256CpuSecondsPerGiB !== undefined) {
    out.push(
      `  Of pmproxy's upload CPU, SHA-256 of the body alone takes ${context.sha256CpuSecondsPerGiB.toFixed(2)} s/GiB on that core (Node's crypto).`,
    );
  }
  out.push(
    "  RSS growth: the server's peak VmRSS during an upload (read every 100 ms) minus its VmRSS before;",
    '  "1st upload": the same for the uncounted warm-up upload (for pmproxy\'s first route, a fresh process).',
  );

  if (verdict !== undefined) {
    const mib = (value: number | undefined) => (value === undefined ? '?' : value.toFixed(1));
    out.push(
      '',
      `Memory flat during an upload: ${verdict.flat ? 'yes' : 'NO'} (flat: pmproxy's VmRSS grows by less than ` +
        `${verdict.thresholdMiB} MiB during every upload)`,
      `  first upload into the fresh server: +${mib(verdict.freshGrowthMiB)} MiB over ${mib(verdict.freshIdleRssMiB)} MiB idle; ` +
        `later uploads: at most +${mib(verdict.warmGrowthMiB)} MiB`,
    );
    if (!verdict.telling) {
      out.push(
        `  (a ${context.sizeLabel} file is too small for this to tell streaming from buffering: use --size ${MIN_TELLING_MIB}M or more)`,
      );
    }
  }

  const problems = results.flatMap((r) => r.errors.map((e) => `${r.name}: ${e}`));
  if (problems.length > 0) section('Failed', problems);
  return `${out.join('\n')}\n`;
}
