import http from 'node:http';
import { LOOPBACK } from '../lib/layout.js';

/**
 * The new-connection loop of the restarts section: a fresh TCP connection and one proxied GET for
 * each request, started at a fixed rate whatever the answers (open loop), so that requests sent
 * while the server is down wait, or fail, as real clients' would instead of pausing the loop.
 */

export interface LoopTarget {
  readonly proxyPort: number;
  /** user:password for Proxy-Authorization, or undefined. */
  readonly credentials: string | undefined;
  readonly url: string;
  /** The exact body every answer must carry. */
  readonly body: string;
}

export interface LoopCounts {
  readonly sent: number;
  readonly ok: number;
  /** ECONNREFUSED: nothing listened. */
  readonly refused: number;
  /** Reset or closed before an answer (ECONNRESET, EPIPE, socket hang up). */
  readonly reset: number;
  /** Any other failure: a status other than 200, a wrong body, a timeout. */
  readonly otherFailures: Readonly<Record<string, number>>;
  /** The largest gap between two successful answers (from the first one to the last), ms. */
  readonly longestGapMs: number;
  /** The slowest successful request, from its connect to its last byte, ms. */
  readonly slowestMs: number;
}

const REQUEST_TIMEOUT_MS = 15_000;
/** Beyond this many requests in flight the loop waits: a dead server must not exhaust descriptors. */
const MAX_IN_FLIGHT = 2_000;

export interface RunningLoop {
  stop(): Promise<LoopCounts>;
}

export function startNewConnectionLoop(target: LoopTarget, perSecond: number): RunningLoop {
  const headers: Record<string, string> = { Connection: 'close' };
  if (target.credentials !== undefined) {
    headers['Proxy-Authorization'] = `Basic ${Buffer.from(target.credentials).toString('base64')}`;
  }
  let sent = 0;
  let ok = 0;
  let refused = 0;
  let reset = 0;
  const other: Record<string, number> = {};
  let lastOk: number | undefined;
  let longestGapMs = 0;
  let slowestMs = 0;
  let inFlight = 0;
  let settled: () => void = () => undefined;

  const failed = (reason: string): void => {
    other[reason] = (other[reason] ?? 0) + 1;
  };
  const finish = (): void => {
    inFlight -= 1;
    if (inFlight === 0) settled();
  };
  const one = (): void => {
    sent += 1;
    inFlight += 1;
    const began = performance.now();
    let done = false;
    const end = (outcome: () => void): void => {
      if (done) return;
      done = true;
      outcome();
      finish();
    };
    const req = http.get(
      { host: LOOPBACK, port: target.proxyPort, path: target.url, headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (text: string) => (body += text));
        res.on('error', () => end(() => reset++));
        res.on('end', () =>
          end(() => {
            if (res.statusCode !== 200) return failed(`status ${res.statusCode}`);
            if (body !== target.body) return failed('wrong body');
            const now = performance.now();
            ok += 1;
            if (lastOk !== undefined) longestGapMs = Math.max(longestGapMs, now - lastOk);
            lastOk = now;
            slowestMs = Math.max(slowestMs, now - began);
          }),
        );
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => {
      end(() => failed('timeout'));
      req.destroy();
    });
    req.on('error', (err: NodeJS.ErrnoException) =>
      end(() => {
        if (err.code === 'ECONNREFUSED') refused += 1;
        else if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.message === 'socket hang up')
          reset += 1;
        else failed(err.code ?? err.message);
      }),
    );
  };

  // Ticks of 10 ms, each sending what is due by then: steady even when a tick comes late.
  const started = performance.now();
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) * perSecond) / 1000);
    while (sent < due && inFlight < MAX_IN_FLIGHT) one();
  }, 10);

  return {
    async stop() {
      clearInterval(timer);
      if (inFlight > 0) await new Promise<void>((resolve) => (settled = resolve));
      return { sent, ok, refused, reset, otherFailures: other, longestGapMs, slowestMs };
    },
  };
}
