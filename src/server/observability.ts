import type { LogSettings } from '../config/log-config.js';
import type { ListenAddress } from '../config/types.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { registerLiveGauges, type LiveState } from '../metrics/live-gauges.js';
import type { MetricsAccessDeps } from '../metrics/metrics-access.js';
import { AccessLogWriter } from '../proxy/access-log-writer.js';
import type { AccessSink } from '../proxy/access-record.js';
import type { Logger } from '../util/logger.js';
import { startMetricsServer, type MetricsServer } from './metrics-server.js';

/**
 * What the gateway tells about itself: the access log (`[log]`), the Prometheus metrics, and
 * `[metrics.server]`'s listener. Every finished proxy request goes to both the log and the metrics,
 * so that their figures agree.
 */
export class Observability {
  readonly metrics = new GatewayMetrics();
  readonly #accessLog: AccessLogWriter | undefined;
  #metricsServer: MetricsServer | undefined;

  constructor(log: LogSettings, accessToStdout: boolean) {
    this.#accessLog =
      log.accessFile === undefined && !accessToStdout
        ? undefined
        : new AccessLogWriter(log.access, log.accessFile);
  }

  readonly access: AccessSink = (record) => {
    this.#accessLog?.write(record);
    this.metrics.access(record);
  };

  /** `[metrics.server]`'s listener, once the gateway can answer for the rule. */
  get metricsServer(): MetricsServer | undefined {
    return this.#metricsServer;
  }

  async serveMetrics(
    addr: ListenAddress,
    access: MetricsAccessDeps,
    log: Logger,
    fd?: number,
  ): Promise<void> {
    this.#metricsServer = await startMetricsServer(addr, this.metrics, access, log, fd);
  }

  /** The gauges read the running gateway at scrape time. */
  watch(state: LiveState): void {
    registerLiveGauges(this.metrics.registry, state);
  }

  /** Opens the access log file again (SIGUSR1, after logrotate moved it). */
  reopenLogs(): void {
    this.#accessLog?.reopen();
  }

  /** Closes the metrics listener and writes what the access log still holds. */
  async close(): Promise<void> {
    await this.#metricsServer?.close();
    await this.#accessLog?.close();
  }
}
