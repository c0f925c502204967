import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOOPBACK } from './layout.js';

/**
 * A download at a fixed rate, both ends in the bench's process on the load core: an origin that
 * sends an endless body at `bytesPerSecond` (a token bucket refilled every 10 ms, so timer jitter
 * evens out) and a client that fetches it through the proxy, counting what arrives.
 */

const CHUNK = 64 * 1024;
const TICK_MS = 10;

export interface PacedOrigin {
  readonly url: string;
  close(): void;
}

export async function pacedOrigin(bytesPerSecond: number): Promise<PacedOrigin> {
  const chunk = Buffer.alloc(CHUNK, 0x70);
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const started = performance.now();
    let sent = 0;
    const timer = setInterval(() => {
      const due = (bytesPerSecond * (performance.now() - started)) / 1000;
      // Behind a full socket the bucket does not fill: the rate is a ceiling, never a burst after.
      while (sent + CHUNK <= due && res.writableLength < 4 * CHUNK) {
        res.write(chunk);
        sent += CHUNK;
      }
      if (res.writableLength >= 4 * CHUNK) sent = Math.max(sent, due - CHUNK);
    }, TICK_MS);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${LOOPBACK}:${port}/endless`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

export interface Delivered {
  readonly bytes: number;
  /** From the first body byte to the end of the connection. */
  readonly seconds: number;
}

/**
 * Fetches `url` through the proxy on `proxyPort` until the connection ends; calls `at.then` once,
 * `at.seconds` after the first body byte.
 */
export function fetchThrough(
  proxyPort: number,
  credentials: string,
  url: string,
  at: { readonly seconds: number; readonly then: () => void },
): Promise<Delivered> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    let first: number | undefined;
    const done = (): void => {
      const seconds = first === undefined ? 0 : (performance.now() - first) / 1000;
      resolve({ bytes, seconds });
    };
    const req = http.get(
      {
        host: LOOPBACK,
        port: proxyPort,
        path: url,
        headers: { 'Proxy-Authorization': `Basic ${Buffer.from(credentials).toString('base64')}` },
        agent: false,
      },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`the proxy answered ${res.statusCode} (see bench/out/logs/)`));
          res.resume();
          return;
        }
        res.on('data', (d: Buffer) => {
          if (first === undefined) {
            first = performance.now();
            setTimeout(at.then, at.seconds * 1000);
          }
          bytes += d.length;
        });
        res.on('error', () => undefined);
        res.on('close', done);
      },
    );
    req.on('error', done);
  });
}
