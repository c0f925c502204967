import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';
import { LOOPBACK } from '../lib/layout.js';
import { failureOf, proxyHeaders, type ProxyTarget } from './reload-requests.js';

/**
 * Load (iii) of the reloads section: long paced transfers, proxied GETs and CONNECT tunnels, that
 * must come through the reloads byte for byte. The origin (in the bench, on the load core) sends a
 * body of the asked length at the asked rate (a token bucket, as bench/lib/paced-download.ts); its
 * bytes are random but follow from their offset (a prime-length pattern repeated), so the client
 * checks every byte in place — a lost, doubled or corrupted chunk shows — at memcmp's cost.
 */

const CHUNK = 64 * 1024;
const PERIOD = 65_521; // prime: no chunk size lines up with it
const BASE = randomBytes(PERIOD);
/**
 * At least one period and one chunk, so any chunk is one slice of it. The period is shorter than a
 * chunk, so that takes three periods: with one period and `BASE.subarray(0, CHUNK)` (which is only
 * a period long) a chunk starting in the period's last 15 bytes came out short, the origin sent
 * less than its Content-Length, and every transfer of 512 MiB or more was cut at the end.
 */
const PATTERN = Buffer.concat([BASE, BASE, BASE]);
if (PATTERN.length < PERIOD + CHUNK)
  throw new Error('the checking pattern is shorter than a period and a chunk');
const TICK_MS = 10;

export interface CheckingOrigin {
  close(): void;
}

export async function startCheckingOrigin(port: number): Promise<CheckingOrigin> {
  const server = http.createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://origin').searchParams;
    const bytes = Number(query.get('bytes'));
    const perSecond = Number(query.get('perSecond'));
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes) });
    const started = performance.now();
    let sent = 0;
    // Writes complete after the tick, so what one tick may queue bounds the rate: two ticks' worth
    // (four chunks alone capped a transfer at 25 MiB/s, below the 34 MiB/s of the full run's).
    const queued = Math.max(4 * CHUNK, (2 * perSecond * TICK_MS) / 1000);
    const timer = setInterval(() => {
      const due = Math.min(bytes, (perSecond * (performance.now() - started)) / 1000);
      // Behind a full socket the bucket does not fill: the rate is a ceiling, never a burst after.
      while (sent < due && res.writableLength < queued) {
        const length = Math.min(CHUNK, bytes - sent);
        const at = sent % PERIOD;
        res.write(PATTERN.subarray(at, at + length));
        sent += length;
      }
      if (sent >= bytes) {
        clearInterval(timer);
        res.end();
      }
    }, TICK_MS);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, resolve);
  });
  return {
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

export interface TransferResult {
  readonly kind: 'GET' | 'CONNECT';
  readonly bytes: number;
  /** Every byte received was the origin's, in place, and there were exactly as many as sent. */
  readonly exact: boolean;
  readonly seconds: number;
  /** Why it did not complete, or undefined. */
  readonly failure: string | undefined;
}

interface Fetch {
  readonly kind: 'GET' | 'CONNECT';
  readonly expected: number;
  readonly options: http.RequestOptions;
}

/** Fetches and checks one body; never rejects. */
function checkedFetch({ kind, expected, options }: Fetch): Promise<TransferResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let bytes = 0;
    let intact = true;
    let settled = false;
    const finish = (failure: string | undefined) => {
      if (settled) return;
      settled = true;
      const seconds = (performance.now() - started) / 1000;
      const complete = failure === undefined && bytes === expected;
      resolve({
        kind,
        bytes,
        exact: intact && complete,
        seconds,
        failure: failure ?? (bytes === expected ? undefined : `${bytes} of ${expected} bytes`),
      });
    };
    const req = http.get(options, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        finish(`status ${res.statusCode}`);
        return;
      }
      res.on('data', (data: Buffer) => {
        // Compare in runs that stay inside PATTERN (it holds one chunk beyond a full period).
        for (let i = 0; i < data.length;) {
          const at = (bytes + i) % PERIOD;
          const run = Math.min(data.length - i, PATTERN.length - at);
          if (data.compare(PATTERN, at, at + run, i, i + run) !== 0) intact = false;
          i += run;
        }
        bytes += data.length;
      });
      res.on('error', (err) => finish(failureOf(err)));
      res.on('end', () => finish(undefined));
      res.on('close', () => finish(res.complete ? undefined : 'closed early'));
    });
    req.on('error', (err) => finish(failureOf(err)));
  });
}

/** A proxied GET of `bytes` at `perSecond` from the checking origin on `originPort`. */
export function pacedGet(
  proxy: ProxyTarget,
  originPort: number,
  bytes: number,
  perSecond: number,
): Promise<TransferResult> {
  return checkedFetch({
    kind: 'GET',
    expected: bytes,
    options: {
      host: LOOPBACK,
      port: proxy.proxyPort,
      path: `http://${LOOPBACK}:${originPort}/paced?bytes=${bytes}&perSecond=${perSecond}`,
      headers: proxyHeaders(proxy),
      agent: false,
    },
  });
}

/** The same transfer inside a CONNECT tunnel to the checking origin. */
export function pacedTunnel(
  proxy: ProxyTarget,
  originPort: number,
  bytes: number,
  perSecond: number,
): Promise<TransferResult> {
  const authority = `${LOOPBACK}:${originPort}`;
  return new Promise((resolve) => {
    const failed = (failure: string) =>
      resolve({ kind: 'CONNECT', bytes: 0, exact: false, seconds: 0, failure });
    const connect = http.request({
      host: LOOPBACK,
      port: proxy.proxyPort,
      method: 'CONNECT',
      path: authority,
      headers: { ...proxyHeaders(proxy), Host: authority },
      agent: false,
    });
    connect.on('connect', (res, socket: Socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        failed(`CONNECT answered ${res.statusCode}`);
        return;
      }
      resolve(
        checkedFetch({
          kind: 'CONNECT',
          expected: bytes,
          options: {
            createConnection: () => socket,
            path: `/paced?bytes=${bytes}&perSecond=${perSecond}`,
            headers: { Host: authority, Connection: 'close' },
          },
        }),
      );
    });
    connect.on('error', (err) => failed(failureOf(err)));
    connect.end();
  });
}
