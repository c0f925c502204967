import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AccessRecord } from '../proxy/access-record.js';
import type { ScanResult } from '../files/scan-result.js';

const DEFAULT_GAUGES_NAMED_LIKE_COUNTERS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * The gateway's Prometheus metrics, one registry per gateway. Labels take bounded values only (a
 * surface, a result, a manager or group of the configuration, a status class), never a user, host
 * or address: 10 000 users make no more series than ten.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #proxyRequests;
  readonly #proxyBytes;
  readonly #proxyDuration;
  readonly #decisions;
  readonly #reloads;
  readonly #lastReload;
  readonly #storeWrites;
  readonly #storeWriteDuration;
  readonly #apiResponses;
  readonly #logins;
  readonly #uploads;
  readonly #uploadSize;
  readonly #downloads;
  readonly #downloadBytes;
  readonly #scans;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    // prom-client names these gauges "…_total", which promtool rightly flags: a _total is a counter.
    // The same counts stay, per type, in nodejs_active_handles, _requests and _resources.
    for (const name of DEFAULT_GAUGES_NAMED_LIKE_COUNTERS) this.registry.removeSingleMetric(name);
    this.#proxyRequests = new Counter({
      name: 'pmproxy_proxy_requests_total',
      help: 'Requests and tunnels through the proxy, by kind (http, connect), result and status class',
      labelNames: ['kind', 'result', 'status_class'],
      registers,
    });
    this.#proxyBytes = new Counter({
      name: 'pmproxy_proxy_bytes_total',
      help: "Bytes through the proxy: down, origins' answers to clients as quotas charge them; up, request bodies",
      labelNames: ['direction'],
      registers,
    });
    this.#proxyDuration = new Histogram({
      name: 'pmproxy_proxy_request_duration_seconds',
      help: 'Time from a request (or CONNECT) to the end of its answer (or tunnel)',
      labelNames: ['kind'],
      buckets: [0.005, 0.025, 0.1, 0.5, 2, 10, 60, 600],
      registers,
    });
    this.#decisions = new Counter({
      name: 'pmproxy_decisions_total',
      help: 'Rule decisions by surface and result; a denial is labelled with the manager that said no',
      labelNames: ['surface', 'result', 'manager'],
      registers,
    });
    this.#reloads = new Counter({
      name: 'pmproxy_reloads_total',
      help: 'Configuration reloads, applied or refused',
      labelNames: ['result'],
      registers,
    });
    this.#lastReload = new Gauge({
      name: 'pmproxy_last_reload_success_timestamp_seconds',
      help: 'When the running configuration was applied (start or reload), Unix time',
      registers,
    });
    this.#lastReload.setToCurrentTime();
    this.#storeWrites = new Counter({
      name: 'pmproxy_store_writes_total',
      help: 'Writes of consumption to the store, by result',
      labelNames: ['result'],
      registers,
    });
    this.#storeWriteDuration = new Histogram({
      name: 'pmproxy_store_write_duration_seconds',
      help: 'How long a write of consumption to the store took',
      buckets: [0.0005, 0.002, 0.01, 0.05, 0.25, 1, 5],
      registers,
    });
    this.#apiResponses = new Counter({
      name: 'pmproxy_api_responses_total',
      help: 'Answers of the HTTPS API and web pages, by status class',
      labelNames: ['status_class'],
      registers,
    });
    this.#logins = new Counter({
      name: 'pmproxy_logins_total',
      help: 'Logins on the API, by result',
      labelNames: ['result'],
      registers,
    });
    this.#uploads = new Counter({
      name: 'pmproxy_file_uploads_total',
      help: 'Uploads to the file server, by status class',
      labelNames: ['status_class'],
      registers,
    });
    this.#uploadSize = new Histogram({
      name: 'pmproxy_file_upload_size_bytes',
      help: 'Sizes of uploads the file server stored',
      buckets: [1024, 65536, 1048576, 16777216, 268435456, 4294967296],
      registers,
    });
    this.#downloads = new Counter({
      name: 'pmproxy_file_downloads_total',
      help: 'Downloads from the file server, by status class',
      labelNames: ['status_class'],
      registers,
    });
    this.#downloadBytes = new Counter({
      name: 'pmproxy_file_download_bytes_total',
      help: 'Body bytes the file server sent',
      registers,
    });
    this.#scans = new Counter({
      name: 'pmproxy_file_scans_total',
      help: 'Virus scans of uploads, by verdict (clean, infected, unreachable, error)',
      labelNames: ['result'],
      registers,
    });
  }

  /** A finished proxy request or tunnel; the same record the access log writes. */
  access(record: AccessRecord): void {
    const kind = record.method === 'CONNECT' ? 'connect' : 'http';
    this.#proxyRequests.inc({ kind, result: proxyResult(record), status_class: statusClass(record.status) });
    if (record.down > 0) this.#proxyBytes.inc({ direction: 'down' }, record.down);
    if (record.up > 0) this.#proxyBytes.inc({ direction: 'up' }, record.up);
    this.#proxyDuration.observe({ kind }, record.elapsedMs / 1000);
    if (record.result === 'true' || record.result === 'false') {
      this.decision('proxy', record.result === 'true', record.decidedBy);
    }
  }

  decision(surface: string, allowed: boolean, manager: string | undefined): void {
    this.#decisions.inc({
      surface,
      result: allowed ? 'allowed' : 'denied',
      manager: allowed ? '' : (manager ?? ''),
    });
  }

  reload(applied: boolean): void {
    this.#reloads.inc({ result: applied ? 'applied' : 'refused' });
    if (applied) this.#lastReload.setToCurrentTime();
  }

  storeWrite(seconds: number, ok: boolean): void {
    this.#storeWrites.inc({ result: ok ? 'ok' : 'failed' });
    if (ok) this.#storeWriteDuration.observe(seconds);
  }

  apiResponse(status: number): void {
    this.#apiResponses.inc({ status_class: statusClass(status) });
  }

  login(ok: boolean): void {
    this.#logins.inc({ result: ok ? 'ok' : 'refused' });
  }

  upload(status: number, storedBytes: number | undefined): void {
    this.#uploads.inc({ status_class: statusClass(status) });
    if (storedBytes !== undefined) this.#uploadSize.observe(storedBytes);
  }

  download(status: number, bytes: number): void {
    this.#downloads.inc({ status_class: statusClass(status) });
    if (bytes > 0) this.#downloadBytes.inc(bytes);
  }

  scan(result: ScanResult['verdict']): void {
    this.#scans.inc({ result });
  }
}

/** "2xx" …; "none" when no answer was sent (the client left first). */
export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'none';
}

/** allowed, denied, own (the gateway's own pages), error (refused before the rule: bad request …). */
function proxyResult(record: AccessRecord): string {
  if (record.result === 'true') return 'allowed';
  if (record.result === 'false') return 'denied';
  if (record.result === 'own') return 'own';
  return 'error';
}
