import http from 'node:http';
import https from 'node:https';

/** Statuses by code, and connection errors, of one kind of request. */
export class Tally {
  readonly statuses = new Map<number, number>();
  errors = 0;

  add(status: number): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
  }

  toString(): string {
    const parts = [...this.statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${n} × ${s}`);
    if (this.errors > 0) parts.push(`${this.errors} errors`);
    return parts.join(', ') || 'none';
  }
}

export const basic = (user: string, pass: string): string =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

/** One proxied GET; resolves with its status when the response head arrives. */
export function proxiedGet(
  proxyPort: number,
  url: string,
  from: string,
  auth: string,
  agent: http.Agent | false,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: proxyPort,
        path: url,
        headers: { 'Proxy-Authorization': auth },
        agent,
        localAddress: from,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** One POST /api/login; resolves with its status when the response head arrives. */
export function apiLogin(
  apiUrl: string,
  ca: string,
  from: string,
  user: string,
  pass: string,
  agent: https.Agent | false,
): Promise<number> {
  const body = JSON.stringify({ user, pass });
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL('/api/login', apiUrl),
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
        ca,
        agent,
        localAddress: from,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs `once` back to back on `connections` loops until `until` passes; counts into `tally`. */
export async function flood(
  connections: number,
  until: number,
  tally: Tally,
  once: (loop: number, i: number) => Promise<number>,
): Promise<void> {
  await Promise.all(
    Array.from({ length: connections }, async (_, loop) => {
      for (let i = 0; Date.now() < until; i++) {
        try {
          tally.add(await once(loop, i));
        } catch {
          tally.errors += 1;
        }
      }
    }),
  );
}

/** Milliseconds `task` took. */
export async function timed<T>(task: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await task();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}
