import { prepareFiles } from '../lib/origin.js';
import { stop, type Running } from '../lib/processes.js';
import { table } from '../lib/report.js';
import { measureIdle, type IdleFigures } from './idle-measure.js';
import { CREDENTIALS, opsConfig, startOriginOn, startPmproxy } from './instance.js';
import { portsFor } from './ports.js';
import { verdict, type OpsOptions, type OpsSection, type SectionResult } from './section.js';
import { SQUID_STOP_SIGNAL, startSquidOn } from './slowloris-squid.js';

/**
 * Idle clients (issue 12): 4,000 idle keep-alive connections and 4,000 idle tunnels held at once on
 * pmproxy with a short idleTimeout — memory per connection, none closed before the timeout, all
 * closed after it — then the same 8,000 on Squid for the memory (its timeouts, 2 min for idle
 * keep-alive and 15 min for tunnels, are longer than this holds them).
 */

const CONNECTIONS = 4000;
/** From an address of their own, so that nothing else the bench runs shares the per-address count. */
const CLIENT_ADDRESS = '127.0.0.3';

async function run(options: OpsOptions): Promise<SectionResult> {
  const ports = portsFor('idle');
  const idleTimeoutSeconds = options.quick ? 20 : 60;
  const graceSeconds = 10;
  const squidHoldSeconds = options.quick ? 5 : 15;
  const config = opsConfig('idle', ports, {
    server: (toml) => {
      const edited = toml
        .replace(/idleTimeout = "10m"/u, `idleTimeout = "${idleTimeoutSeconds}s"`)
        // 8,100 client connections from one address, and as many upstream sockets for the tunnels.
        .replace(
          'maxConnectionsPerAddress = 4096',
          'maxConnectionsPerAddress = 9000\n    maxConnections = 10000',
        );
      if (
        !edited.includes(`idleTimeout = "${idleTimeoutSeconds}s"`) ||
        !edited.includes('maxConnections = 10000')
      ) {
        throw new Error(
          'bench/config/server.toml changed shape: idleTimeout or maxConnectionsPerAddress not found',
        );
      }
      return edited;
    },
  });
  await prepareFiles(1);
  const results: IdleFigures[] = [];
  const started: Running[] = [];
  try {
    started.push(await startOriginOn('origin-idle', ports.origin));
    const pmproxy = await startPmproxy(config);
    started.push(pmproxy);
    results.push(
      await measureIdle({
        server: pmproxy,
        serverLabel: 'pmproxy',
        target: {
          proxyPort: ports.proxy,
          originPort: ports.origin,
          credentials: CREDENTIALS,
          localAddress: CLIENT_ADDRESS,
        },
        connections: CONNECTIONS,
        idle: { timeoutSeconds: idleTimeoutSeconds, graceSeconds },
      }),
    );
    await stop(pmproxy);
    const squid = await startSquidOn('idle', ports.spare, ports.origin);
    started.push(squid);
    results.push(
      await measureIdle({
        server: squid,
        serverLabel: 'Squid',
        target: {
          proxyPort: ports.spare,
          originPort: ports.origin,
          credentials: undefined,
          localAddress: CLIENT_ADDRESS,
        },
        connections: CONNECTIONS,
        idle: { holdSeconds: squidHoldSeconds },
      }),
    );
  } finally {
    for (const proc of started.reverse())
      await stop(proc, proc.name.startsWith('squid') ? SQUID_STOP_SIGNAL : 'SIGTERM');
  }

  const rows = results.flatMap((result) =>
    result.kinds.map((kind) => [
      `${result.server} ${kind.kind === 'keepalive' ? 'keep-alive' : 'tunnel'}`,
      `${kind.opened}/${kind.requested}${Object.keys(kind.failures).length > 0 ? ` (${JSON.stringify(kind.failures)})` : ''}`,
      `${kind.openSeconds.toFixed(1)} s`,
      kind.kbPerConnection.toFixed(1),
      String(kind.closedEarly),
      kind.closedAfterTimeout === undefined ? '–' : `${kind.closedAfterTimeout}/${kind.opened}`,
      kind.latestCloseAfterTimeoutSeconds === undefined
        ? '–'
        : `${kind.latestCloseAfterTimeoutSeconds.toFixed(1)} s`,
    ]),
  );
  const pmproxyResult = results.find((result) => result.server === 'pmproxy');
  const lines = [
    `${CONNECTIONS} keep-alive connections (one proxied GET of small.txt each), then ${CONNECTIONS} CONNECT tunnels to the origin,`,
    `all from ${CLIENT_ADDRESS} and held open together, after ${50} of each as warm-up; KB/conn = ΔVmRSS over the batch / its size (KB = 1024 B).`,
    `pmproxy: bench/config with idleTimeout = "${idleTimeoutSeconds}s", maxConnectionsPerAddress 9000, maxConnections 10000;`,
    `held until 2 s before the first connection's timeout, then watched for ${graceSeconds} s past the last one's.`,
    `Squid (bench/conf/squid.conf.in): held ${squidHoldSeconds} s; its idle timeouts are longer, so only memory and early closes are measured.`,
    '',
    ...table(
      [
        'server, kind',
        'idle',
        'opening',
        'KB/conn',
        'closed early',
        'closed after timeout',
        'last close late by',
      ],
      rows,
    ),
    ...results.map(
      (result) =>
        `  ${result.server} RSS: ${result.rssWarmMiB.toFixed(0)} MiB warm, ${result.rssAllOpenMiB.toFixed(0)} MiB with all open, ` +
        `${result.rssAfterHoldMiB.toFixed(0)} MiB after the hold` +
        (result.rssAfterClosingMiB === undefined
          ? ''
          : `, ${result.rssAfterClosingMiB.toFixed(0)} MiB once they were closed`),
    ),
  ];
  for (const result of results) {
    const early = result.kinds.reduce((sum, kind) => sum + kind.closedEarly, 0);
    const opened = result.kinds.every((kind) => kind.opened === kind.requested);
    lines.push(
      `${result.server}: target all ${CONNECTIONS} + ${CONNECTIONS} idle and none closed before ` +
        `${result.idleTimeoutSeconds === undefined ? `the end of the ${squidHoldSeconds} s hold` : 'the idle timeout'}: ` +
        `${early} closed early${opened ? '' : ', not all opened'}: ${verdict(early === 0 && opened)}`,
    );
  }
  if (pmproxyResult !== undefined) {
    const left = pmproxyResult.kinds.reduce(
      (sum, kind) => sum + kind.opened - kind.closedEarly - (kind.closedAfterTimeout ?? 0),
      0,
    );
    lines.push(
      `pmproxy: target every idle connection closed once the idle timeout is up (within ${graceSeconds} s): ` +
        `${left} still open: ${verdict(left === 0)}`,
    );
  }
  return {
    lines,
    figures: { connections: CONNECTIONS, idleTimeoutSeconds, graceSeconds, squidHoldSeconds, results },
  };
}

export const idle: OpsSection = {
  name: 'idle',
  summary:
    '4,000 idle keep-alive connections and 4,000 idle tunnels: memory each, closed at the idle timeout',
  run,
};
