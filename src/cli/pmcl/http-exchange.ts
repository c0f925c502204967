import { request } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Server } from './server-url.js';

export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/**
 * One HTTP/1.1 exchange on a socket whose certificate was already checked (node:http over the given
 * TLS socket, so no agent, pool or proxy settings can route it anywhere else).
 */
export function exchange(
  socket: TLSSocket,
  server: Server,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        method,
        host: server.hostname,
        port: server.port,
        path: new URL(server.base).pathname.replace(/\/$/u, '') + path,
        headers: {
          Accept: 'application/json',
          'User-Agent': 'pmcl',
          ...headers,
          ...(body === undefined
            ? {}
            : { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) }),
        },
        createConnection: () => socket,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            res.destroy(new Error(`the answer from ${server.key} is too large`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          socket.end();
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error(`no answer from ${server.key} in 15 s`)));
    req.on('error', reject);
    req.end(body);
  });
}
