import { listenOn } from './listen-on.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ListenAddress } from '../config/types.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { mayScrape, type MetricsAccessDeps } from '../metrics/metrics-access.js';
import { normalizeIp } from '../util/ip.js';
import type { Logger } from '../util/logger.js';

/** A scrape is small and quick; whoever holds a connection longer is not Prometheus. */
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_CONNECTIONS = 64;

export interface MetricsServer {
  address(): AddressInfo;
  close(): Promise<void>;
}

/**
 * `[metrics.server]`: GET /metrics alone on plain HTTP, for a Prometheus that should not need the
 * API's certificate. The same rule as on the API decides who may read it.
 */
export async function startMetricsServer(
  addr: ListenAddress,
  metrics: GatewayMetrics,
  access: MetricsAccessDeps,
  log: Logger,
  fd?: number,
): Promise<MetricsServer> {
  const server: Server = createServer({
    requestTimeout: REQUEST_TIMEOUT_MS,
    headersTimeout: REQUEST_TIMEOUT_MS,
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.on('request', (req, res) => {
    const answer = (status: number, text: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end(`${text}\n`);
    };
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') return answer(404, 'only /metrics is served here');
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(405, 'GET /metrics');
    void (async () => {
      const allowed = await mayScrape(access, normalizeIp(req.socket.remoteAddress ?? ''));
      if (!allowed.ok) return answer(403, allowed.why);
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
    })().catch((err: unknown) => {
      log.error('metrics scrape failed', { err: String(err) });
      if (!res.headersSent) answer(500, 'the metrics could not be collected');
      else res.destroy();
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await listenOn(server, addr, fd);
  const address = server.address() as AddressInfo;
  return {
    address: () => address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
