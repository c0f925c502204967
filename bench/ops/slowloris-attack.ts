import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LOAD_CORE } from '../lib/layout.js';
import { runCaptured } from '../lib/processes.js';

/**
 * One run of Debian's slowhttptest (1.8.2) and the timeline of its connections, read from the
 * per-second CSV it writes with -g: how many the attacker held open, when the server began closing
 * them, and whether its probe (a normal request each few seconds) was answered.
 */

export type AttackMode = 'headers' | 'body' | 'read';

export interface AttackOptions {
  readonly mode: AttackMode;
  readonly url: string;
  /** host:port of an HTTP proxy: slowhttptest then sends absolute-URI requests to it (-d). */
  readonly proxy?: string;
  readonly connections: number;
  readonly seconds: number;
  /** Where the CSV goes (bench/out/ops/<section>/<name>.csv). */
  readonly dir: string;
  readonly name: string;
}

export interface AttackSecond {
  readonly second: number;
  readonly closed: number;
  readonly pending: number;
  readonly connected: number;
  readonly probeAnswered: boolean;
}

export interface AttackTimeline {
  readonly mode: AttackMode;
  readonly requested: number;
  readonly maxConnected: number;
  readonly secondOfMax: number;
  /** The first second with a connection the server had closed (or reset), if any. */
  readonly firstClosedSecond: number | undefined;
  /** The first second at which half the requested connections were closed. */
  readonly halfClosedSecond: number | undefined;
  /** Open when it ended: 0 when it ended because the server had closed them all. */
  readonly connectedAtEnd: number;
  /** The second by which the server had closed every connection, if it did. */
  readonly allClosedSecond: number | undefined;
  /** Seconds whose probe went unanswered within slowhttptest's probe timeout. */
  readonly probeUnansweredSeconds: number;
  readonly seconds: number;
  readonly exitStatus: string;
  readonly series: readonly AttackSecond[];
}

const MODE_FLAGS: Record<AttackMode, readonly string[]> = {
  // A header line of up to 24 random bytes every 10 s: never the blank line that ends the head.
  headers: ['-H', '-i', '10', '-x', '24'],
  // A POST announcing 8 KiB, then a few random bytes of it every 10 s.
  body: ['-B', '-i', '10', '-x', '24', '-s', '8192'],
  // A whole request, then the answer read 32 bytes a second through a 16–64 byte receive window,
  // three requests pipelined on each connection.
  read: ['-X', '-k', '3', '-n', '1', '-w', '16', '-y', '64', '-z', '32'],
};

// slowhttptest colours its report even into a pipe.
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[\\d;]*[A-Za-z]`, 'gu');

export async function runAttack(options: AttackOptions): Promise<AttackTimeline> {
  mkdirSync(options.dir, { recursive: true });
  const prefix = join(options.dir, options.name);
  for (const suffix of ['.csv', '.html']) rmSync(`${prefix}${suffix}`, { force: true });
  const args = [
    ...MODE_FLAGS[options.mode],
    '-c',
    String(options.connections),
    '-r',
    '200',
    '-l',
    String(options.seconds),
    '-p',
    '3',
    '-u',
    options.url,
    '-g',
    '-o',
    prefix,
    ...(options.proxy === undefined ? [] : ['-d', options.proxy]),
  ];
  const out = await runCaptured(
    `slowhttptest-${options.name}`,
    LOAD_CORE,
    'slowhttptest',
    args,
    (options.seconds + 30) * 1000,
  );
  const plain = out.stdout.replace(ANSI_COLOUR, '');
  const exitStatus = /Exit status:\s*(.+?)\s*$/mu.exec(plain)?.[1] ?? `exit ${out.code}`;
  let csv: string;
  try {
    csv = readFileSync(`${prefix}.csv`, 'utf8');
  } catch {
    throw new Error(
      `slowhttptest wrote no CSV (${exitStatus}): ${out.stderr.trim() || out.stdout.slice(-400)}`,
    );
  }
  return timeline(options, csv, exitStatus);
}

function timeline(options: AttackOptions, csv: string, exitStatus: string): AttackTimeline {
  const series = csv
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',').map(Number))
    .filter((fields) => fields.length === 5 && fields.every(Number.isFinite))
    .map(([second, closed, pending, connected, available]) => ({
      second: second!,
      closed: closed!,
      pending: pending!,
      connected: connected!,
      probeAnswered: available! > 0,
    }));
  if (series.length === 0) throw new Error(`slowhttptest's CSV has no rows (${exitStatus})`);
  const max = series.reduce((best, row) => (row.connected > best.connected ? row : best), series[0]!);
  const last = series.at(-1)!;
  // slowhttptest stops once no connection is left, before it writes that second's row.
  const allClosed = /no open connections left/iu.test(exitStatus);
  return {
    mode: options.mode,
    requested: options.connections,
    maxConnected: max.connected,
    secondOfMax: max.second,
    firstClosedSecond: series.find((row) => row.closed > 0)?.second,
    halfClosedSecond:
      series.find((row) => row.closed >= options.connections / 2)?.second ??
      (allClosed ? last.second : undefined),
    connectedAtEnd: allClosed ? 0 : last.connected,
    allClosedSecond: allClosed ? last.second : undefined,
    probeUnansweredSeconds: series.filter((row) => !row.probeAnswered).length,
    seconds: last.second,
    exitStatus,
    series,
  };
}
