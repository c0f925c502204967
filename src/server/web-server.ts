import { listenOn } from './listen-on.js';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import Koa from 'koa';
import serve from 'koa-static';
import type { ApiSettings } from '../config/types.js';
import type { Logger } from '../util/logger.js';
import { ensureCertificate } from '../tls/self-signed.js';
import { logKoaError } from './request-errors.js';
import { serveWithLimits } from './serve-with-limits.js';
import type { ConnectionLimiter } from './connection-limits.js';
import { RateLimitedWarning } from '../util/rate-limited-warning.js';

/** Browsers open up to 100 streams per session; more at once is no page's need. */
const MAX_STREAMS_PER_SESSION = 100;

export interface WebServer {
  /** https://host:port as clients reach it (loopback when listening on every interface). */
  readonly url: string;
  readonly fingerprint: string;
  /**
   * The listening server. A socket handed to it with `server.emit('connection', socket)` (a
   * CONNECT to this listener through the proxy) is served as an accepted one: counted by the
   * connection caps under its own peer address, then TLS.
   */
  readonly server: Http2SecureServer;
  readonly connections: ConnectionLimiter;
  address(): AddressInfo;
  /** Takes a connection that arrived elsewhere (a CONNECT through the proxy), as if accepted here. */
  accept(socket: Socket): void;
  close(): Promise<void>;
}

/**
 * The HTTPS listener (HTTP/2 with HTTP/1.1 fallback) for the web pages; the API routes hang off the
 * same koa app. Its certificate is made on first start when the configured files are missing.
 */
export async function startWebServer(options: {
  settings: ApiSettings;
  log: Logger;
  configure?: (app: Koa) => void;
  /** The socket systemd passed (socket activation), instead of the configured address. */
  fd?: number;
}): Promise<WebServer> {
  const { settings, log } = options;
  const host = settings.addr.host;
  const tls = await ensureCertificate(settings.httpsCert, settings.httpsKey, host);
  if (tls.created)
    log.warn(`made a self-signed certificate ${settings.httpsCert}`, { fingerprint: tls.fingerprint });

  const app = new Koa();
  const refused = new RateLimitedWarning(log, 'web and API listener: clients refused or cut');
  app.on('error', (err: unknown) => logKoaError(err, log, refused, 'web request failed'));
  app.use(async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    await next();
  });
  options.configure?.(app);
  const staticFiles = serve(settings.webStaticFilesDir, { index: 'index.html' });
  app.use(staticFiles);
  const excluded = new Set(settings.excludedRoutes.flatMap((r) => [r, r.endsWith('/') ? r : `${r}/`]));
  app.use(async (ctx, next) => {
    // pmproxy's excludedRoutes: single-page-app routes answered with the root index.
    if (ctx.method === 'GET' && excluded.has(ctx.path)) {
      ctx.path = '/';
      await staticFiles(ctx, next);
      return;
    }
    await next();
  });

  const handle = app.callback();
  const server: Http2SecureServer = createSecureServer({
    cert: tls.cert,
    key: tls.key,
    allowHTTP1: true,
    handshakeTimeout: settings.handshakeTimeout,
    // Node's default lets one session open 2³²−1 streams at once.
    settings: { maxConcurrentStreams: MAX_STREAMS_PER_SESSION },
  });
  const connections = serveWithLimits(server, settings, (req, res) => void handle(req, res), refused);
  await listenOn(server, settings.addr, options.fd);
  const address = server.address() as AddressInfo;
  const shownHost =
    host === '' || host === '0.0.0.0' || host === '::'
      ? 'localhost'
      : host.includes(':')
        ? `[${host}]`
        : host;
  return {
    url: `https://${shownHost}:${address.port}`,
    fingerprint: tls.fingerprint,
    server,
    connections,
    address: () => address,
    accept: (socket) => {
      // The proxy's sockets are half-open (an HTTP server ends them itself); a TLS server's own are
      // not, and HTTP/2 sessions close only when the socket does: without this a client that left
      // held its session and descriptor until the idle timeout.
      socket.allowHalfOpen = false;
      server.emit('connection', socket);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // HTTP/2 sessions hold the server open; close them so shutdown is prompt.
        setTimeout(() => resolve(), 2000).unref();
      }),
  };
}
