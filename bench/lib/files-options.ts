import { parseArgs } from 'node:util';

/** Options of `npm run bench:files` (bench/files.ts). */
export interface FilesBenchOptions {
  readonly quick: boolean;
  readonly runs: number;
  /** The file's size in MiB. */
  readonly sizeMiB: number;
  /** Drop the page cache before every download (sync; echo 1 > /proc/sys/vm/drop_caches). */
  readonly cold: boolean;
  /** Also measure pmproxy on its HTTPS API listener, with HTTP/2 and with HTTP/1.1. */
  readonly https: boolean;
}

export const FILES_USAGE = `usage: npm run bench:files -- [--quick] [--size SIZE] [--runs N] [--cold] [--no-https] [--no-build]

Uploads (PUT) and downloads (GET) one file through pmproxy's file server, and compares it in the same
run with dd writing and reading the same bytes and with nginx (WebDAV PUT, GET with sendfile). Prints
MiB/s with the ratios to dd and to nginx, pmproxy's CPU seconds per GiB and its memory growth during
an upload; writes bench/out/files-results.json. See bench/README.md.

  --quick          1 run of each measurement instead of 3 (a smoke run)
  --size SIZE      the file's size: 64M, 256MiB, 1G, 1GiB (default 1G; from 16M to 4G)
  --runs N         repeat each measurement N times (default 3, --quick 1)
  --cold           drop the page cache before every download (root only): reads come from the disk
  --no-https       skip pmproxy's HTTPS listener (measured with HTTP/2 and with HTTP/1.1)
  --no-build       do not run npm run build first (bench/files.sh)
`;

const MIN_MIB = 16;
const MAX_MIB = 4096;

/** "64M", "256MiB", "1G", "1GiB", "512" (MiB) → MiB. */
export function parseSizeMiB(text: string): number {
  const m = /^(\d+)\s*(m|mib|mb|g|gib|gb)?$/iu.exec(text.trim());
  if (m === null) throw new Error(`--size: "${text}" is not a size such as 64M or 1G`);
  const unit = (m[2] ?? 'm').toLowerCase();
  const mib = Number(m[1]) * (unit.startsWith('g') ? 1024 : 1);
  if (mib < MIN_MIB || mib > MAX_MIB) {
    throw new Error(`--size must be from ${MIN_MIB} MiB to ${MAX_MIB / 1024} GiB, not ${text}`);
  }
  return mib;
}

export function parseFilesOptions(argv: readonly string[]): FilesBenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      size: { type: 'string', default: '1G' },
      runs: { type: 'string' },
      cold: { type: 'boolean', default: false },
      'no-https': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(FILES_USAGE);
    process.exit(0);
  }
  const runs = values.runs === undefined ? (values.quick ? 1 : 3) : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 20) {
    throw new Error(`--runs must be an integer from 1 to 20, not ${values.runs}`);
  }
  return {
    quick: values.quick,
    runs,
    sizeMiB: parseSizeMiB(values.size),
    cold: values.cold,
    https: !values['no-https'],
  };
}
