import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { pinningWorks } from './processes.js';

/** How each program's version is read from its banner (nginx and wrk print theirs on stderr). */
const VERSION_PROBES = {
  nginx: ['nginx', ['-v'], /nginx\/([\d.]+)/u],
  squid: ['squid', ['-v'], /Version ([\d.]+)/u],
  wrk: ['wrk', ['-v'], /wrk (?:debian\/)?([\d.]+)/u],
  curl: ['curl', ['--version'], /curl ([\d.]+)/u],
  tinyproxy: ['tinyproxy', ['-v'], /tinyproxy ([\d.]+)/u],
  dd: ['dd', ['--version'], /dd \(coreutils\) ([\d.]+)/u],
  slowhttptest: ['slowhttptest', ['-h'], /slowhttptest.* - version ([\d.]+)/u],
} as const satisfies Record<string, readonly [string, readonly string[], RegExp]>;

export type Program = keyof typeof VERSION_PROBES;

function version(command: string, args: readonly string[], pattern: RegExp): string | undefined {
  const out = spawnSync(command, args, { encoding: 'utf8' });
  return pattern.exec(`${out.stdout ?? ''}${out.stderr ?? ''}`)?.[1];
}

/**
 * What every bench's results.json opens with: when it ran, on what machine, and the versions of
 * pmproxy (git), Node and the `programs` it compared.
 */
export function runRecord(started: Date, loadAverageAtStart: number, programs: readonly Program[]) {
  const versions: Record<string, string | undefined> = {
    pmproxy: version('git', ['describe', '--always', '--dirty'], /^(\S+)/u),
    node: process.version,
  };
  for (const program of programs) {
    const [command, args, pattern] = VERSION_PROBES[program];
    versions[program] = version(command, args, pattern);
  }
  return {
    started: started.toISOString(),
    finished: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      loadAverageAtStart,
      pinned: pinningWorks(),
    },
    versions,
  };
}
