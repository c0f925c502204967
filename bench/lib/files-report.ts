import type { RouteResult } from './files-measure.js';
import { cell, table, times } from './report.js';
import { ratio } from './stats.js';

/**
 * A 1 GiB upload that buffered the body would grow the server by about 1 GiB. Streaming holds a
 * few 64 KiB chunks at a time, but RSS still rises between garbage collections: a received chunk
 * is freed only by a GC, and V8 lets about 64 MiB of such external memory pile up before it forces
 * one, on top of a young generation that may grow to 2 × 32 MiB (--max-semi-space-size=32). So
 * "flat" is a peak growth below 128 MiB: an eighth of the file, far from what buffering costs,
 * and above what the GC alone can explain.
 */
export const FLAT_MEMORY_MIB = 128;

/** Below this size, buffering the body would not reach the threshold: the verdict proves nothing. */
const MIN_TELLING_MIB = 4 * FLAT_MEMORY_MIB;

export interface MemoryVerdict {
  readonly flat: boolean;
  /** The largest growth over the pmproxy routes' runs, in MiB. */
  readonly peakGrowthMiB: number;
  readonly idleRssMiB: number;
  readonly thresholdMiB: number;
  /** Whether the file was large enough for the verdict to tell streaming from buffering. */
  readonly telling: boolean;
}

export function memoryVerdict(results: readonly RouteResult[], sizeMiB: number): MemoryVerdict | undefined {
  const pmproxy = results.filter((r) => r.name.startsWith('pmproxy') && r.upload?.rssGrowthMiB !== undefined);
  if (pmproxy.length === 0) return undefined;
  const peakGrowthMiB = Math.max(...pmproxy.map((r) => r.upload!.rssGrowthMiB!.max));
  const idleRssMiB = Math.min(...pmproxy.map((r) => r.upload!.idleRssMiB?.min ?? Infinity));
  return {
    flat: peakGrowthMiB < FLAT_MEMORY_MIB,
    peakGrowthMiB,
    idleRssMiB,
    thresholdMiB: FLAT_MEMORY_MIB,
    telling: sizeMiB >= MIN_TELLING_MIB,
  };
}

export interface FilesReportContext {
  readonly runs: number;
  readonly sizeLabel: string;
  readonly cold: boolean;
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
      ['route', 'MiB/s', '×dd', '×nginx', 'CPU s/GiB', '×nginx', 'RSS growth MiB'],
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
  out.push(
    "  RSS growth: the server's peak VmRSS during an upload (read every 100 ms) minus its VmRSS before.",
  );

  if (verdict !== undefined) {
    const answer = verdict.flat ? 'yes' : 'NO';
    out.push(
      '',
      `Memory flat during the upload: ${answer} — pmproxy grew by at most ${verdict.peakGrowthMiB.toFixed(1)} MiB ` +
        `over ${verdict.idleRssMiB.toFixed(0)} MiB idle (flat: growth < ${verdict.thresholdMiB} MiB in every run)`,
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
