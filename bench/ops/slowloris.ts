import { join } from 'node:path';
import { LOOPBACK } from '../lib/layout.js';
import { prepareFiles } from '../lib/origin.js';
import { sleep, stop, type Running } from '../lib/processes.js';
import { CREDENTIALS, OPS_DIR, opsConfig, startOriginOn, startPmproxy } from './instance.js';
import { portsFor } from './ports.js';
import type { OpsOptions, OpsSection, SectionResult } from './section.js';
import { attackTable, goodClientTable } from './slowloris-report.js';
import { runPhase, type PhaseResult, type PhaseSubject } from './slowloris-phase.js';
import { SQUID_STOP_SIGNAL, startSquidOn } from './slowloris-squid.js';
import type { AttackMode } from './slowloris-attack.js';

/**
 * Slow clients (issue 12): slowhttptest holds 1,000 connections on pmproxy's proxy port and 1,000
 * on its API at once — slow headers, then slow bodies, then slow reads — while a good client from
 * another address keeps making requests to each; then Squid gets the same slow-header attack on its
 * proxy port. Each server also serves the good client alone first, as the baseline.
 */

const ATTACK_CONNECTIONS = 1000;
/** Served slowly in the slow-read attack: small.txt would be read whole by the first window. */
const SLOW_READ_MIB = 1;

async function run(options: OpsOptions): Promise<SectionResult> {
  const ports = portsFor('slowloris');
  const config = opsConfig('slowloris', ports);
  const dir = join(OPS_DIR, 'slowloris');
  const bigFile = await prepareFiles(SLOW_READ_MIB);
  // Slow headers must outlast the header timeout (readTimeout, 30 s by default) and the check
  // that enforces it (every readTimeout / 4), or no closing would be seen.
  const headerSeconds = options.quick ? 45 : 60;
  const otherSeconds = options.quick ? 15 : 30;
  const baselineSeconds = options.quick ? 5 : 10;
  const origin = `${LOOPBACK}:${ports.origin}`;
  const proxyAt = (port: number) => `${LOOPBACK}:${port}`;
  const phases: PhaseResult[] = [];
  const started: Running[] = [];
  try {
    started.push(await startOriginOn('origin-slowloris', ports.origin));
    const pmproxy = await startPmproxy(config);
    started.push(pmproxy);
    const proxyGood = {
      kind: 'proxy',
      port: ports.proxy,
      originPort: ports.origin,
      credentials: CREDENTIALS,
    } as const;
    const apiGood = { kind: 'api', port: ports.api } as const;
    const pmproxySubjects = (mode: AttackMode | undefined): PhaseSubject[] => [
      {
        label: 'proxy',
        good: proxyGood,
        ...(mode === undefined
          ? {}
          : {
              attack: {
                mode,
                url: `http://${origin}/${mode === 'read' ? bigFile : 'small.txt'}`,
                proxy: proxyAt(ports.proxy),
              },
            }),
      },
      {
        label: 'API',
        good: apiGood,
        ...(mode === undefined
          ? {}
          : {
              attack: {
                mode,
                url: `https://${LOOPBACK}:${ports.api}/${mode === 'body' ? 'api/login' : 'proxy.pac'}`,
              },
            }),
      },
    ];
    const common = { connections: ATTACK_CONNECTIONS, dir };
    // Unrecorded: the first requests of a fresh process are slow (JIT, TLS session setup).
    await runPhase({
      ...common,
      phase: 'warm-up',
      server: pmproxy,
      serverLabel: 'pmproxy',
      subjects: pmproxySubjects(undefined),
      seconds: 2,
    });
    phases.push(
      await runPhase({
        ...common,
        phase: 'none',
        server: pmproxy,
        serverLabel: 'pmproxy',
        subjects: pmproxySubjects(undefined),
        seconds: baselineSeconds,
      }),
    );
    for (const [mode, seconds] of [
      ['headers', headerSeconds],
      ['body', otherSeconds],
      ['read', otherSeconds],
    ] as const) {
      phases.push(
        await runPhase({
          ...common,
          phase: mode,
          server: pmproxy,
          serverLabel: 'pmproxy',
          subjects: pmproxySubjects(mode),
          seconds,
        }),
      );
      // The attacker's sockets are gone when slowhttptest exits; let the server notice.
      await sleep(2000);
    }
    await stop(pmproxy);

    const squidPort = ports.spare;
    const squid = await startSquidOn('slowloris', squidPort, ports.origin);
    started.push(squid);
    const squidGood = { kind: 'proxy', port: squidPort, originPort: ports.origin } as const;
    phases.push(
      await runPhase({
        ...common,
        phase: 'none',
        server: squid,
        serverLabel: 'Squid',
        subjects: [{ label: 'proxy', good: squidGood }],
        seconds: baselineSeconds,
      }),
      await runPhase({
        ...common,
        phase: 'headers',
        server: squid,
        serverLabel: 'Squid',
        subjects: [
          {
            label: 'proxy',
            good: squidGood,
            attack: { mode: 'headers', url: `http://${origin}/small.txt`, proxy: proxyAt(squidPort) },
          },
        ],
        seconds: headerSeconds,
      }),
    );
  } finally {
    for (const proc of started.reverse())
      await stop(proc, proc.name.startsWith('squid') ? SQUID_STOP_SIGNAL : 'SIGTERM');
  }

  const lines = [
    `slowhttptest -c ${ATTACK_CONNECTIONS} -r 200 from 127.0.0.1: slow headers (-H -i 10 -x 24, ${headerSeconds} s),`,
    `slow body (-B -s 8192, ${otherSeconds} s), slow read (-X of ${bigFile} through the proxy, -k 3 -w 16 -y 64 -z 32 -n 1, ${otherSeconds} s);`,
    'the proxy attacks are absolute-URI requests (slowhttptest -d); the API ones are HTTPS to /proxy.pac (body: POST /api/login).',
    'pmproxy: bench/config (proxy readTimeout 30 s by default, maxConnectionsPerAddress 4096; API: readTimeout 30 s,',
    'handshakeTimeout 10 s, minBodyRate 1 KB/s, maxConnectionsPerAddress 64 by default). The attacks on the proxy and the API run at once.',
    '',
    ...attackTable(phases),
    '  "most open": connections slowhttptest had sent a request on at the peak; "first closed", "half closed": when the',
    '  server had closed (or reset) one, and half, of them; "all closed": slowhttptest ended because none was left;',
    '  "probe down": seconds in which slowhttptest\'s own probe request went unanswered (3 s timeout).',
    '  Slow body through the proxy: nginx answers a POST to a static file (405) without reading the body, so the',
    '  origin ends these requests, not the proxy; on the API, POST /api/login refuses the form body.',
    '',
    `A good client from 127.0.0.2, one request after another (a new connection each; 10 s timeout): through the proxy`,
    `a GET of small.txt (pmproxy: with Proxy-Authorization), to the API GET /proxy.pac. No target in the issue: figures only.`,
    '',
    ...goodClientTable(phases),
  ];
  return { lines, figures: { attackConnections: ATTACK_CONNECTIONS, headerSeconds, otherSeconds, phases } };
}

export const slowloris: OpsSection = {
  name: 'slowloris',
  summary: 'slowhttptest (1,000 slow connections) on the proxy and the API; a good client meanwhile',
  run,
};
