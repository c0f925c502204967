import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { LOOPBACK } from '../lib/layout.js';
import { sleep } from '../lib/processes.js';

/**
 * The soak's steady mixed load, from the bench process on the load core: keep-alive small GETs at a
 * moderate rate, small GETs on a new connection each (Connection: close), CONNECT tunnels that fetch
 * small.txt and close, a large download after another, and a /metrics scrape on the API. Every
 * stream counts what it completed and what failed, by kind.
 */

export interface SoakTarget {
  readonly proxyPort: number;
  readonly apiPort: number;
  readonly originPort: number;
  readonly credentials: string;
  readonly largeFile: string;
  readonly localAddress: string;
}

export type StreamName =
  'keep-alive GET' | 'Connection: close GET' | 'CONNECT tunnel' | 'large GET' | '/metrics';

export interface StreamCounts {
  done: number;
  bytes: number;
  readonly errors: Record<string, number>;
}

export interface SoakLoad {
  readonly counts: Readonly<Record<StreamName, StreamCounts>>;
  /** Stops every stream after its request in flight. */
  finish(): Promise<void>;
}

const KEEP_ALIVE_WORKERS = 8;
/** Per keep-alive worker: about 100 requests a second in all. */
const KEEP_ALIVE_PAUSE_MS = 80;
const CLOSE_PAUSE_MS = 200;
const TUNNEL_PAUSE_MS = 500;
const LARGE_PAUSE_MS = 5000;
const METRICS_PAUSE_MS = 10_000;
const TIMEOUT_MS = 30_000;

export function startSoakLoad(target: SoakTarget): SoakLoad {
  const counts = Object.fromEntries(
    (['keep-alive GET', 'Connection: close GET', 'CONNECT tunnel', 'large GET', '/metrics'] as const).map(
      (name) => [name, { done: 0, bytes: 0, errors: {} }],
    ),
  ) as Record<StreamName, StreamCounts>;
  let running = true;
  const keepAlive = new http.Agent({
    keepAlive: true,
    maxSockets: KEEP_ALIVE_WORKERS,
    localAddress: target.localAddress,
  });
  const stream = async (name: StreamName, pauseMs: number, once: () => Promise<number>) => {
    while (running) {
      try {
        counts[name].bytes += await once();
        counts[name].done += 1;
      } catch (err) {
        const why = err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err);
        counts[name].errors[why] = (counts[name].errors[why] ?? 0) + 1;
      }
      await sleep(pauseMs);
    }
  };
  const proxied = (path: string, agent: http.Agent | false, close: boolean) => () =>
    viaProxy(target, path, agent, close);
  const streams = [
    ...Array.from({ length: KEEP_ALIVE_WORKERS }, () =>
      stream('keep-alive GET', KEEP_ALIVE_PAUSE_MS, proxied('small.txt', keepAlive, false)),
    ),
    stream('Connection: close GET', CLOSE_PAUSE_MS, proxied('small.txt', false, true)),
    stream('CONNECT tunnel', TUNNEL_PAUSE_MS, () => throughTunnel(target)),
    stream('large GET', LARGE_PAUSE_MS, proxied(target.largeFile, false, true)),
    stream('/metrics', METRICS_PAUSE_MS, () => scrape(target)),
  ];
  return {
    counts,
    async finish() {
      running = false;
      await Promise.all(streams);
      keepAlive.destroy();
    },
  };
}

/** Resolves with the body's size once a 200 has been read whole. */
function collect(request: http.ClientRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    request.setTimeout(TIMEOUT_MS, () => request.destroy(new Error('timeout')));
    request.once('error', reject);
    request.once('response', (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.once('error', reject);
      response.once('end', () =>
        response.statusCode === 200 ? resolve(bytes) : reject(new Error(`status ${response.statusCode}`)),
      );
    });
    request.end();
  });
}

function viaProxy(
  target: SoakTarget,
  path: string,
  agent: http.Agent | false,
  close: boolean,
): Promise<number> {
  const origin = `${LOOPBACK}:${target.originPort}`;
  return collect(
    http.request({
      host: LOOPBACK,
      port: target.proxyPort,
      path: `http://${origin}/${path}`,
      agent,
      ...(agent === false ? { localAddress: target.localAddress } : {}),
      headers: {
        host: origin,
        'proxy-authorization': `Basic ${Buffer.from(target.credentials).toString('base64')}`,
        ...(close ? { connection: 'close' } : {}),
      },
    }),
  );
}

function scrape(target: SoakTarget): Promise<number> {
  return collect(
    https.request({
      host: LOOPBACK,
      port: target.apiPort,
      path: '/metrics',
      agent: false,
      localAddress: target.localAddress,
      rejectUnauthorized: false, // pmproxy's self-signed certificate
    }),
  );
}

/** CONNECT, then a GET of small.txt inside the tunnel with Connection: close; resolves with the bytes read. */
function throughTunnel(target: SoakTarget): Promise<number> {
  const origin = `${LOOPBACK}:${target.originPort}`;
  const auth = `Basic ${Buffer.from(target.credentials).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: LOOPBACK, port: target.proxyPort, localAddress: target.localAddress });
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error('timeout')));
    let received = Buffer.alloc(0);
    let tunnelled = false;
    socket.once('connect', () =>
      socket.write(`CONNECT ${origin} HTTP/1.1\r\nHost: ${origin}\r\nProxy-Authorization: ${auth}\r\n\r\n`),
    );
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (tunnelled) return;
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const status = /^HTTP\/1\.[01] (\d{3})/u.exec(received.subarray(0, end).toString('latin1'))?.[1];
      if (status !== '200') {
        socket.destroy(new Error(`CONNECT status ${status ?? '?'}`));
        return;
      }
      tunnelled = true;
      received = received.subarray(end + 4);
      socket.write(`GET /small.txt HTTP/1.1\r\nHost: ${origin}\r\nConnection: close\r\n\r\n`);
    });
    socket.once('error', reject);
    socket.once('close', (hadError) => {
      if (hadError) return;
      const head = received.subarray(0, Math.max(0, received.indexOf('\r\n\r\n'))).toString('latin1');
      if (!tunnelled) reject(new Error('closed before the tunnel was up'));
      else if (!/^HTTP\/1\.1 200/u.test(head)) reject(new Error('no 200 from the origin inside the tunnel'));
      else resolve(received.length);
    });
  });
}
