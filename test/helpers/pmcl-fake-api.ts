import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCertificate } from '../../src/tls/self-signed.js';

/** A self-signed certificate for 127.0.0.1 in a temporary directory. */
export async function makeCertificate(): Promise<{ cert: string; key: string; fingerprint: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'pmcl-cert-'));
  try {
    const made = await ensureCertificate(join(dir, 'cert.pem'), join(dir, 'key.pem'), '127.0.0.1');
    return { cert: made.cert, key: made.key, fingerprint: made.fingerprint };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: string;
}

export type Route = (req: SeenRequest) => { status: number; body?: unknown };

/**
 * A stand-in for the API over HTTPS, for pmcl's unit tests: answers from `route`, and records every
 * request that reached it, so a test can tell that nothing was sent to a wrong certificate.
 */
export async function startFakeApi(
  tls: { cert: string; key: string },
  route: Route,
  port = 0,
): Promise<{
  url: string;
  port: number;
  seen: SeenRequest[];
  connections: () => number;
  close: () => Promise<void>;
}> {
  const seen: SeenRequest[] = [];
  let connections = 0;
  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const r: SeenRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        body,
      };
      seen.push(r);
      const answer = route(r);
      res.writeHead(answer.status, answer.body === undefined ? {} : { 'Content-Type': 'application/json' });
      res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
    });
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${actual}`,
    port: actual,
    seen,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
