import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import Koa from 'koa';
import serve from 'koa-static';
import type { ApiSettings } from '../config/types.js';
import type { Logger } from '../util/logger.js';
import { ensureCertificate } from '../tls/self-signed.js';
import { isExpectedRequestEnd } from './request-errors.js';

export interface WebServer {
  /** https://host:port as clients reach it (loopback when listening on every interface). */
  readonly url: string;
  readonly fingerprint: string;
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
}): Promise<WebServer> {
  const { settings, log } = options;
  const host = settings.addr.host;
  const tls = await ensureCertificate(settings.httpsCert, settings.httpsKey, host);
  if (tls.created)
    log.warn(`made a self-signed certificate ${settings.httpsCert}`, { fingerprint: tls.fingerprint });

  const app = new Koa();
  app.on('error', (err: unknown) => {
    if (isExpectedRequestEnd(err)) return;
    log.error('web request failed', { err: String(err) });
  });
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
  const server: Http2SecureServer = createSecureServer(
    { cert: tls.cert, key: tls.key, allowHTTP1: true },
    (req, res) => void handle(req, res),
  );
  server.setTimeout(settings.readTimeout > 0 ? settings.readTimeout : 0);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.addr.port, host === '' ? undefined : host, () => {
      server.off('error', reject);
      resolve();
    });
  });
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
    address: () => address,
    accept: (socket) => server.emit('connection', socket),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // HTTP/2 sessions hold the server open; close them so shutdown is prompt.
        setTimeout(() => resolve(), 2000).unref();
      }),
  };
}
