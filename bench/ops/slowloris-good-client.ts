import http from 'node:http';
import https from 'node:https';
import { LOOPBACK } from '../lib/layout.js';
import { sleep } from '../lib/processes.js';

/**
 * The well-behaved client of the slowloris section: one request after another, each on a new
 * connection from an address of its own (the attacker's connections come from 127.0.0.1, so
 * per-address limits do not stand between the two), timing each from connect to the last byte.
 */

export type GoodTarget =
  | {
      readonly kind: 'proxy';
      readonly port: number;
      readonly originPort: number;
      readonly credentials?: string;
    }
  | { readonly kind: 'api'; readonly port: number };

export interface GoodClientRun {
  readonly requests: number;
  readonly errors: number;
  /** "timeout", "status 503", "ECONNRESET" …, with how many of each. */
  readonly errorKinds: Readonly<Record<string, number>>;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly maxMs: number | undefined;
}

export interface GoodClient {
  /** Ends the loop after the request in flight and hands back what it saw. */
  finish(): Promise<GoodClientRun>;
}

export const GOOD_CLIENT_ADDRESS = '127.0.0.2';
const REQUEST_TIMEOUT_MS = 10_000;
const PAUSE_MS = 50;

export function startGoodClient(target: GoodTarget): GoodClient {
  const latencies: number[] = [];
  const errorKinds: Record<string, number> = {};
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const outcome = await requestOnce(target);
      if (outcome === 'ok') latencies.push(performance.now() - started);
      else errorKinds[outcome] = (errorKinds[outcome] ?? 0) + 1;
      await sleep(PAUSE_MS);
    }
  })();
  return {
    async finish() {
      running = false;
      await loop;
      const errors = Object.values(errorKinds).reduce((sum, n) => sum + n, 0);
      const sorted = [...latencies].sort((a, b) => a - b);
      return {
        requests: latencies.length + errors,
        errors,
        errorKinds,
        p50Ms: percentile(sorted, 0.5),
        p99Ms: percentile(sorted, 0.99),
        maxMs: sorted.at(-1),
      };
    },
  };
}

function percentile(sorted: readonly number[], fraction: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

/** 'ok' once a 200's body has been read, or what went wrong. */
function requestOnce(target: GoodTarget): Promise<string> {
  return new Promise((resolve) => {
    const common = { host: LOOPBACK, port: target.port, agent: false, localAddress: GOOD_CLIENT_ADDRESS };
    const onResponse = (response: http.IncomingMessage) => {
      response.resume();
      response.once('end', () =>
        resolve(response.statusCode === 200 ? 'ok' : `status ${response.statusCode}`),
      );
      response.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    };
    const request =
      target.kind === 'proxy'
        ? http.request(
            {
              ...common,
              path: `http://${LOOPBACK}:${target.originPort}/small.txt`,
              headers: {
                host: `${LOOPBACK}:${target.originPort}`,
                ...(target.credentials === undefined
                  ? {}
                  : { 'proxy-authorization': `Basic ${Buffer.from(target.credentials).toString('base64')}` }),
              },
            },
            onResponse,
          )
        : // The API's certificate is the self-signed one pmproxy made on its first start.
          https.request({ ...common, path: '/proxy.pac', rejectUnauthorized: false }, onResponse);
    request.setTimeout(REQUEST_TIMEOUT_MS, () => {
      request.destroy();
      resolve('timeout');
    });
    request.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    request.end();
  });
}
