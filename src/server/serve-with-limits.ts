import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Http2SecureServer, Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Socket } from 'node:net';
import type { ListenerLimits } from '../config/types.js';
import { normalizeIp } from '../util/ip.js';
import type { RateLimitedWarning } from '../util/rate-limited-warning.js';
import { watchBodyRate } from './body-rate.js';
import { answerClientError } from './client-errors.js';
import { limitConnections, type ConnectionLimiter } from './connection-limits.js';
import { defaultMaxConnections } from './descriptor-budget.js';
import { timeHttp2Sessions } from './http2-sessions.js';
import { requestProblem } from './request-guard.js';

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;
export type RequestHandler = (req: Request, res: Response) => void;

/** Node's HTTP/1.1 timeouts, which an Http2SecureServer with allowHTTP1 also reads off itself. */
interface Http1Timeouts {
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  connectionsCheckingInterval: number;
}

/**
 * Puts one of our listeners (the API's HTTPS one, or `[files.server]`) under the proxy's
 * discipline, and attaches `handle` as its request handler: header, body-rate, idle, inactivity
 * and TLS handshake timeouts, the connection caps (see connection-limits.ts; called last, so it
 * sits in front of every 'connection' listener), 400 for malformed requests before any route,
 * and short answers to parse errors. What clients cause goes to `warnings`, never a log line per
 * request.
 */
export function serveWithLimits(
  server: HttpServer | Http2SecureServer,
  limits: ListenerLimits,
  handle: RequestHandler,
  warnings: RateLimitedWarning,
): ConnectionLimiter {
  const inactivity = Math.max(limits.readTimeout, limits.writeTimeout);
  const http1: Http1Timeouts = {
    headersTimeout: limits.readTimeout,
    // Bodies are bounded by their rate instead: a large upload at a good rate may take long.
    requestTimeout: 0,
    keepAliveTimeout: limits.idleTimeout,
    connectionsCheckingInterval:
      limits.readTimeout > 0 ? Math.min(30_000, Math.max(250, limits.readTimeout / 4)) : 30_000,
  };
  Object.assign(server, http1);
  server.setTimeout(inactivity);

  /** Sockets with an HTTP/1.1 answer under way: a parse error there can only cut, not answer. */
  const answering = new WeakSet<Socket>();
  server.on('request', (req: Request, res: Response) => {
    const problem = requestProblem(req);
    if (problem !== undefined) {
      warnings.note('malformed', { client: clientOf(req), reason: problem });
      refuse(req, res, problem);
      return;
    }
    if (!('stream' in req)) {
      const socket = req.socket;
      answering.add(socket);
      res.once('close', () => answering.delete(socket));
      // Node clears the socket's timeout between keep-alive requests; every request gets it back.
      socket.setTimeout(inactivity);
    }
    watchBodyRate(req, res, limits, () => warnings.note('slow-body', { client: clientOf(req) }));
    handle(req, res);
  });
  server.on(
    'clientError',
    answerClientError(warnings, (socket) => answering.has(socket)),
  );
  if ('setSecureContext' in server) {
    timeHttp2Sessions(server, limits, (remoteAddress) =>
      warnings.note('timeout', { client: normalizeIp(remoteAddress) }),
    );
  }
  return limitConnections(
    server,
    {
      maxConnections: limits.maxConnections ?? defaultMaxConnections(),
      maxConnectionsPerAddress: limits.maxConnectionsPerAddress,
    },
    (socket, why) => warnings.note(why, { client: normalizeIp(socket.remoteAddress ?? '') }),
  );
}

function clientOf(req: Request): string {
  return normalizeIp(req.socket.remoteAddress ?? '');
}

/** A short 400; on HTTP/1.1 the connection closes after it, so a body that follows is not read. */
function refuse(req: Request, res: Response, message: string): void {
  const body = `bad request: ${message}\n`;
  const headers = { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) };
  if ('stream' in req) (res as Http2ServerResponse).writeHead(400, headers);
  else (res as ServerResponse).writeHead(400, { ...headers, connection: 'close' });
  res.end(body);
}
