import { listenOn } from './listen-on.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import Koa from 'koa';
import type { FilesServerSettings } from '../config/files-config.js';
import { fileRoutes, type FileRouteDeps } from '../files/routes.js';
import type { Logger } from '../util/logger.js';
import { RateLimitedWarning } from '../util/rate-limited-warning.js';
import type { ConnectionLimiter } from './connection-limits.js';
import { logKoaError } from './request-errors.js';
import { serveWithLimits } from './serve-with-limits.js';

export interface PlainFileServer {
  /** http://host:port as clients reach it. */
  readonly url: string;
  /** The listening server; `server.emit('connection', socket)` goes through its connection caps. */
  readonly server: Server;
  readonly connections: ConnectionLimiter;
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
  settings: FilesServerSettings,
  deps: FileRouteDeps,
  log: Logger,
  fd?: number,
): Promise<PlainFileServer> {
  const addr = settings.addr;
  const app = new Koa();
  const refused = new RateLimitedWarning(log, 'file listener: clients refused or cut');
  app.on('error', (err: unknown) => logKoaError(err, log, refused, 'file request failed'));
  app.use(fileRoutes(deps));
  const handle = app.callback();
  const server: Server = createServer({ requireHostHeader: false, joinDuplicateHeaders: false });
  const connections = serveWithLimits(server, settings, (req, res) => void handle(req, res), refused);
  await listenOn(server, addr, fd);
  const address = server.address() as AddressInfo;
  const host = addr.host === '' || addr.host === '0.0.0.0' || addr.host === '::' ? 'localhost' : addr.host;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    server,
    connections,
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
