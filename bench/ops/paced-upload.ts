import { createHash } from 'node:crypto';
import http from 'node:http';
import { LOOPBACK } from '../lib/layout.js';
import { signedUploadPath } from './file-server.js';

/**
 * A signed PUT to pmproxy's plain file listener, its body sent at a fixed rate (the token bucket of
 * lib/paced-download.ts, the other way round) so that it is still in flight when the bench kills the
 * server, or all at once (rate Infinity) for the small uploads that must get through.
 */

const CHUNK = 64 * 1024;
const TICK_MS = 10;

export interface UploadResult {
  readonly name: string;
  readonly size: number;
  /** The server's status; undefined when the connection ended without an answer. */
  readonly status: number | undefined;
  /** Why there was no answer (ECONNRESET …). */
  readonly error?: string;
  /** Body bytes handed to the socket. */
  readonly sent: number;
  /** Of the whole body, to compare with what a GET returns. */
  readonly sha256: string;
}

export interface Upload {
  /** Body bytes handed to the socket so far. */
  sent(): number;
  readonly done: Promise<UploadResult>;
}

/** Every chunk the same bytes for one upload, but different between uploads (a distinct blob each). */
function chunkFor(name: string): Buffer {
  const seed = createHash('sha256').update(name).digest();
  return Buffer.alloc(CHUNK, seed);
}

export function startUpload(port: number, name: string, size: number, bytesPerSecond = Infinity): Upload {
  const chunk = chunkFor(name);
  const whole = createHash('sha256');
  for (let at = 0; at < size; at += CHUNK) whole.update(chunk.subarray(0, Math.min(CHUNK, size - at)));
  const sha256 = whole.digest('hex');
  let sent = 0;
  const done = new Promise<UploadResult>((resolve) => {
    const finish = (status: number | undefined, error?: string): void => {
      clearInterval(timer);
      resolve({ name, size, status, sent, sha256, ...(error === undefined ? {} : { error }) });
    };
    const req = http.request({
      host: LOOPBACK,
      port,
      method: 'PUT',
      path: signedUploadPath(name, size),
      agent: false,
      headers: { 'content-length': String(size), 'content-type': 'application/octet-stream' },
    });
    req.once('response', (res) => {
      res.resume();
      res.once('end', () => finish(res.statusCode));
      res.once('error', (err: NodeJS.ErrnoException) => finish(res.statusCode, err.code ?? err.message));
    });
    req.once('error', (err: NodeJS.ErrnoException) => finish(undefined, err.code ?? err.message));
    const started = performance.now();
    const pump = (): void => {
      const due =
        bytesPerSecond === Infinity
          ? size
          : Math.min(size, (bytesPerSecond * (performance.now() - started)) / 1000);
      // Behind a full socket the bucket does not fill: the rate is a ceiling, never a burst after.
      while (sent < due && req.writableLength < 4 * CHUNK && !req.destroyed) {
        const piece = chunk.subarray(0, Math.min(CHUNK, size - sent));
        req.write(piece);
        sent += piece.length;
      }
      if (sent >= size) {
        clearInterval(timer);
        req.end();
      }
    };
    // finish() and pump() run only after this line: on events, and on the timer.
    const timer = setInterval(pump, TICK_MS);
    pump();
  });
  return { sent: () => sent, done };
}
