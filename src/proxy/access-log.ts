import { performance } from 'node:perf_hooks';
import type { Logger } from '../util/logger.js';

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
 * One access-log line, filled in as the request or tunnel goes and written once when it is over:
 * who (client address, user), what (method, host, port), the answer (status, decision result), bytes
 * delivered to the client (down, all charged) and sent to the origin (up), and the duration.
 */
export class AccessEntry {
  readonly #log: Logger;
  readonly #started = performance.now();
  #written = false;
  client = '';
  user: string | undefined;
  method: string;
  host = '';
  port = 0;
  status = 0;
  down = 0;
  up = 0;
  result = '-';
  end: EndReason | undefined;
  error: string | undefined;
  /** Reads the bytes delivered at the moment the line is written, when they are still flowing. */
  countDown: (() => number) | undefined;

  constructor(log: Logger, method: string) {
    this.#log = log;
    this.method = method;
  }

  /** Writes the line; later calls do nothing. */
  write(): void {
    if (this.#written) return;
    this.#written = true;
    if (this.countDown !== undefined) this.down = this.countDown();
    const fields: Record<string, unknown> = {
      kind: 'access',
      client: this.client,
      user: this.user ?? '-',
      method: this.method,
      host: this.host,
      port: this.port,
      status: this.status,
      down: this.down,
      up: this.up,
      ms: Math.round(performance.now() - this.#started),
      result: this.result,
    };
    if (this.end !== undefined) fields.end = this.end;
    if (this.error !== undefined) fields.error = this.error;
    this.#log.info('access', fields);
  }
}
