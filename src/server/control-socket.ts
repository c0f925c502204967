import { chmodSync, unlinkSync } from 'node:fs';
import http from 'node:http';
import { connect } from 'node:net';
import type { Logger } from '../util/logger.js';

/** A question the control socket answers: the query's parameters in, JSON out; throws to refuse. */
/** The control socket's file name, in the store's folder. */
export const CONTROL_SOCKET_NAME = 'pmproxy.sock';

export type ControlHandler = (params: URLSearchParams) => unknown;
// A handler may answer with a promise (a reload); the answer is sent once it settles.

/** Answers that are refusals (an unknown user or manager), not failures of the server. */
export class ControlRefusal extends Error {}

export interface ControlSocket {
  close(): Promise<void>;
}

/**
 * A Unix socket beside the store on which the running server answers the admin commands (`quota
 * show` and the like) with its live figures, which the store only has after the next flush. Only the
 * socket's owner may connect (mode 0600); only the listed questions are answered.
 */
export async function startControlSocket(
  path: string,
  routes: ReadonlyMap<string, ControlHandler>,
  log: Logger,
): Promise<ControlSocket | undefined> {
  if (await answers(path)) {
    log.warn('another pmproxy answers on the control socket of this store; not opening it', { path });
    return undefined;
  }
  try {
    unlinkSync(path); // left by a server that crashed
  } catch {
    // none
  }
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://control');
    // Keys are "METHOD /path": any other method or path finds nothing.
    const handler = routes.get(`${req.method ?? ''} ${url.pathname}`);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (handler === undefined) return send(404, { error: `no such question: ${req.method} ${url.pathname}` });
    const failed = (err: unknown): void => {
      if (err instanceof ControlRefusal) send(400, { error: err.message });
      else {
        log.error('control socket request failed', { err: String(err) });
        send(500, { error: 'the server failed to answer' });
      }
    };
    try {
      Promise.resolve(handler(url.searchParams)).then((body) => send(200, body), failed);
    } catch (err) {
      failed(err);
    }
  });
  server.headersTimeout = 5_000;
  // A reload of a large configuration may take a while; nothing else comes near.
  server.requestTimeout = 60_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(path, 0o600);
  } catch (err) {
    // The gateway serves without it; the admin commands then read the store.
    log.warn('cannot open the control socket; admin commands will read the store', {
      path,
      err: String(err),
    });
    server.close();
    return undefined;
  }
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Whether a server answers on `path` (a socket left by a crash refuses the connection). */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
