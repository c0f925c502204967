import { parseArgs } from 'node:util';

export interface BenchOptions {
  readonly quick: boolean;
  readonly alternatives: boolean;
  /** Only these targets (plus the origin); undefined means the default set. */
  readonly only: readonly string[] | undefined;
  /** The number of rounds (and of idle-memory runs per target). */
  readonly runs: number;
  readonly wrkSeconds: number;
  readonly warmupSeconds: number;
  readonly bigFileMiB: number;
  readonly idleConnections: number;
  readonly idleHoldSeconds: number;
}

export const USAGE = `usage: npm run bench -- [--quick] [--alternatives] [--only NAME,...] [--runs N] [--no-build]

Measures, with the method of perf-security.md §A3, the origin alone (direct), Squid and pmproxy
(proxy authentication and a download quota on), and with --alternatives the reference proxies in
bench/alternatives/ and tinyproxy, interleaved in rounds: each round measures every target once,
in turn. Prints a table, the ratios to Squid per round and their medians; writes
bench/out/results.json.

  --quick          1 round, a 256 MiB file, 4 s of wrk (a smoke run)
  --alternatives   also node-min, proxy-chain, http-proxy and tinyproxy
  --only LIST      only these targets: squid, pmproxy, node-min, proxy-chain, http-proxy, tinyproxy
                   (direct is always measured); e.g. --only squid,pmproxy
  --no-direct      skip measuring the origin alone
  --runs N         N rounds (default 3, --quick 1); idle memory is then measured N times per target
  --no-build       do not run npm run build first (bench/run.sh)
`;

export function parseOptions(argv: readonly string[]): BenchOptions & { readonly direct: boolean } {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      alternatives: { type: 'boolean', default: false },
      only: { type: 'string' },
      runs: { type: 'string' },
      'no-direct': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const quick = values.quick;
  const runs = values.runs === undefined ? (quick ? 1 : 3) : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 20) {
    throw new Error(`--runs must be an integer from 1 to 20, not ${values.runs}`);
  }
  const only = values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== 'direct');
  return {
    quick,
    alternatives: values.alternatives,
    only,
    direct: !values['no-direct'],
    runs,
    wrkSeconds: quick ? 4 : 8,
    warmupSeconds: quick ? 6 : 8,
    bigFileMiB: quick ? 256 : 1024,
    idleConnections: 2000,
    idleHoldSeconds: quick ? 2 : 6,
  };
}
