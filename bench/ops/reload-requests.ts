import http from 'node:http';
import type { Socket } from 'node:net';
import { LOOPBACK } from '../lib/layout.js';
import { sleep } from '../lib/processes.js';

/**
 * The small-request loads of the reloads section, each at full rate (every worker sends its next
 * request as soon as the last is answered): (i) keep-alive connections that stay open across the
 * reloads, (ii) a new connection with Connection: close for every request. Every answer is checked
 * to be a 200 with the exact body; anything else is counted by what went wrong, and the worker
 * pauses 10 ms before its next request.
 */

export interface ProxyTarget {
  readonly proxyPort: number;
  /** user:password for Proxy-Authorization, or undefined (Squid). */
  readonly credentials: string | undefined;
}

export interface SmallTarget extends ProxyTarget {
  readonly url: string;
  readonly body: string;
}

export interface LoadCounts {
  readonly requests: number;
  readonly ok: number;
  /** Failed requests by what went wrong: "reset", "refused", "status 502", "wrong body", "timeout" … */
  readonly failed: Readonly<Record<string, number>>;
  /** TCP connections opened: above the worker count, the server closed kept-alive ones. */
  readonly connections: number;
}

export interface RunningLoad {
  stop(): Promise<LoadCounts>;
}

const REQUEST_TIMEOUT_MS = 15_000;
const FAILURE_PAUSE_MS = 10;

export function proxyHeaders(target: ProxyTarget): Record<string, string> {
  return target.credentials === undefined
    ? {}
    : { 'Proxy-Authorization': `Basic ${Buffer.from(target.credentials).toString('base64')}` };
}

/** What a failed request is counted as. */
export function failureOf(err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNREFUSED') return 'refused';
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.message === 'socket hang up') return 'reset';
  return err.code ?? err.message;
}

export function startSmallLoad(target: SmallTarget, workers: number, keepAlive: boolean): RunningLoad {
  const agent = keepAlive ? new http.Agent({ keepAlive: true, maxSockets: workers }) : false;
  const headers = keepAlive ? proxyHeaders(target) : { ...proxyHeaders(target), Connection: 'close' };
  const seen = new WeakSet<Socket>();
  let requests = 0;
  let ok = 0;
  let connections = 0;
  const failed: Record<string, number> = {};
  let stopping = false;
  const fail = (reason: string): false => {
    failed[reason] = (failed[reason] ?? 0) + 1;
    return false;
  };

  const one = () =>
    new Promise<boolean>((resolve) => {
      requests += 1;
      let done = false;
      const end = (outcome: () => boolean) => {
        if (done) return;
        done = true;
        resolve(outcome());
      };
      const req = http.get(
        { host: LOOPBACK, port: target.proxyPort, path: target.url, headers, agent },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (text: string) => (body += text));
          res.on('error', (err) => end(() => fail(failureOf(err))));
          res.on('end', () =>
            end(() => {
              if (res.statusCode !== 200) return fail(`status ${res.statusCode}`);
              if (body !== target.body) return fail('wrong body');
              ok += 1;
              return true;
            }),
          );
        },
      );
      req.on('socket', (socket) => {
        if (seen.has(socket)) return;
        seen.add(socket);
        connections += 1;
      });
      req.setTimeout(REQUEST_TIMEOUT_MS, () => {
        end(() => fail('timeout'));
        req.destroy();
      });
      req.on('error', (err) => end(() => fail(failureOf(err))));
    });

  const worker = async () => {
    while (!stopping) {
      // A client retries after a failure, not at once: a closed port must not count thousands a second.
      if (!(await one())) await sleep(FAILURE_PAUSE_MS);
    }
  };
  const all = Promise.all(Array.from({ length: workers }, worker));
  return {
    async stop() {
      stopping = true;
      await all;
      if (agent !== false) agent.destroy();
      return { requests, ok, failed, connections };
    },
  };
}
