import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Decision } from '../rules/decision.js';
import { decidingManager } from '../rules/trace.js';
import type { Logger } from '../util/logger.js';
import { accessFields } from './access-formats.js';
import type { AccessSink } from './access-record.js';

/** Why a request or tunnel ended other than normally. */
export type EndReason =
  | 'quota'
  | 'client-closed'
  | 'upstream-error'
  | 'idle-timeout'
  | 'write-stall'
  | 'shutdown'
  | 'policy-error'
  | 'admin-cut';

/**
 * One access-log line, filled in as the request or tunnel goes and handed to the sink once when it
 * is over: who (client address, user), what (method, URL, host, port), the answer (status, decision
 * result, the manager that said no), bytes delivered to the client (down, all charged) and sent to
 * the origin (up), and the duration.
 */
export class AccessEntry {
  readonly #sink: AccessSink;
  readonly #started = performance.now();
  #written = false;
  client = '';
  user: string | undefined;
  method: string;
  /** The full URL of an HTTP request; a CONNECT's is its host:port. */
  url = '';
  host = '';
  port = 0;
  httpVersion = '1.1';
  status = 0;
  down = 0;
  up = 0;
  result = '-';
  decidedBy: string | undefined;
  peer: string | undefined;
  contentType: string | undefined;
  userAgent: string | undefined;
  referer: string | undefined;
  end: EndReason | undefined;
  error: string | undefined;
  /** Reads the bytes delivered at the moment the line is written, when they are still flowing. */
  countDown: (() => number) | undefined;

  constructor(sink: AccessSink, method: string) {
    this.#sink = sink;
    this.method = method;
  }

  /** What the rule said, and who said no when it did; where an allowed request goes. */
  judged(decision: Decision): void {
    this.result = decision.result;
    this.user = decision.user;
    if (!decision.allow) this.decidedBy = decidingManager(decision);
    const parent = decision.route?.parentProxy;
    this.peer = !decision.allow ? undefined : parent === undefined ? this.host : `parent:${parent.host}`;
  }

  /** What the client sent that the combined format logs. */
  requested(req: IncomingMessage): void {
    this.httpVersion = req.httpVersion;
    this.userAgent = req.headers['user-agent'];
    this.referer = req.headers.referer;
  }

  /** Hands the record to the sink; later calls do nothing. */
  write(): void {
    if (this.#written) return;
    this.#written = true;
    if (this.countDown !== undefined) this.down = this.countDown();
    this.#sink({
      time: Date.now(),
      elapsedMs: Math.round(performance.now() - this.#started),
      client: this.client,
      user: this.user,
      method: this.method,
      url: this.url === '' && this.host !== '' ? `${this.host}:${this.port}` : this.url,
      host: this.host,
      port: this.port,
      httpVersion: this.httpVersion,
      status: this.status,
      down: this.down,
      up: this.up,
      result: this.result,
      decidedBy: this.decidedBy,
      peer: this.peer,
      contentType: this.contentType,
      userAgent: this.userAgent,
      referer: this.referer,
      end: this.end,
      error: this.error,
    });
  }
}

/** The sink of a proxy without `[log]` (tests, benchmarks): JSON lines in the event log, as before. */
export function accessToLogger(log: Logger): AccessSink {
  return (record) => log.info('access', accessFields(record));
}
