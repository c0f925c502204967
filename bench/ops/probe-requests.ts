import http from 'node:http';
import https from 'node:https';
import { LOOPBACK, SMALL_FILE } from '../lib/layout.js';

/**
 * The one-off requests the fault sections make to see whether pmproxy answers and how: a proxied
 * GET of the origin's small file, and a login on the API. Each resolves with the status and the
 * time it took, never rejects: a reset or a timeout is an outcome to count, named by its code.
 */

export interface Probe {
  /** performance.now() when the request was sent. */
  readonly at: number;
  readonly ms: number;
  /** The status, or why there was none (ECONNRESET, timeout …). */
  readonly outcome: number | string;
  /** The start of the body, for answers other than 200 (what the client is told). */
  readonly said?: string;
}

const TIMEOUT_MS = 30_000;

function timed(request: http.ClientRequest, body?: string): Promise<Probe> {
  const at = performance.now();
  return new Promise((resolve) => {
    const done = (outcome: number | string, said?: string): void =>
      resolve({ at, ms: performance.now() - at, outcome, ...(said === undefined ? {} : { said }) });
    request.setTimeout(TIMEOUT_MS, () =>
      request.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })),
    );
    request.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
    request.once('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
      response.once('end', () => {
        const status = response.statusCode ?? 0;
        done(status, status === 200 ? undefined : Buffer.concat(chunks).toString('utf8', 0, 200));
      });
    });
    request.end(body);
  });
}

export interface ProxyTarget {
  readonly proxyPort: number;
  readonly originPort: number;
  readonly credentials: string;
}

/** GET http://origin/small.txt through the proxy, on `agent` (keep-alive) or a connection of its own. */
export function proxiedGet(target: ProxyTarget, agent: http.Agent | false = false): Promise<Probe> {
  const origin = `${LOOPBACK}:${target.originPort}`;
  return timed(
    http.request({
      host: LOOPBACK,
      port: target.proxyPort,
      path: `http://${origin}/${SMALL_FILE}`,
      agent,
      headers: {
        host: origin,
        'proxy-authorization': `Basic ${Buffer.from(target.credentials).toString('base64')}`,
      },
    }),
  );
}

/** POST /api/login on the HTTPS API (pmproxy's self-signed certificate), which opens a session. */
export function apiLogin(apiPort: number, user: string, pass: string, manager: string): Promise<Probe> {
  const body = JSON.stringify({ user, pass, manager });
  return timed(
    https.request({
      host: LOOPBACK,
      port: apiPort,
      method: 'POST',
      path: '/api/login',
      agent: false,
      rejectUnauthorized: false,
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
    }),
    body,
  );
}
