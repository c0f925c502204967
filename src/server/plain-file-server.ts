import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import Koa from 'koa';
import type { ListenAddress } from '../config/types.js';
import { fileRoutes, type FileRouteDeps } from '../files/routes.js';
import type { Logger } from '../util/logger.js';
import { isExpectedRequestEnd } from './request-errors.js';

export interface PlainFileServer {
  /** http://host:port as clients reach it. */
  readonly url: string;
  address(): AddressInfo;
  /** Takes a connection that arrived elsewhere (a CONNECT through the proxy), as if accepted here. */
  accept(socket: Socket): void;
  /** Answers a request the proxy received for this listener (its target in origin form). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  close(): Promise<void>;
}

/**
 * `[files.server]`: the file routes alone on plain HTTP, for a TLS-terminating front (nginx, a load
 * balancer) or loopback clients. Nothing else of the API is reachable here.
 */
export async function startPlainFileServer(
  addr: ListenAddress,
  deps: FileRouteDeps,
  log: Logger,
): Promise<PlainFileServer> {
  const app = new Koa();
  app.on('error', (err: unknown) => {
    if (isExpectedRequestEnd(err)) return;
    log.error('file request failed', { kind: 'files', err: String(err) });
  });
  app.use(fileRoutes(deps));
  const handle = app.callback();
  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host === '' ? undefined : addr.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = addr.host === '' || addr.host === '0.0.0.0' || addr.host === '::' ? 'localhost' : addr.host;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    address: () => address,
    accept: (socket) => server.emit('connection', socket),
    handle: (req, res) => server.emit('request', req, res),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => resolve(), 2000).unref();
      }),
  };
}
