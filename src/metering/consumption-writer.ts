import { performance } from 'node:perf_hooks';
import type { Logger } from '../util/logger.js';
import type { ConsumptionLedger } from './types.js';

/**
 * Writes the consumption charged since the last write to the store every `intervalMs` (1 s by
 * default), apart from `persistInterval`, which keeps pacing the rest of the state (sessions'
 * activity, re-reading other processes' changes): a kill -9 loses at most one interval of traffic.
 * Each write is one store transaction over the accounts charged since the last, so its cost follows
 * the traffic, not the number of users. A failing write keeps the counts pending for the next one,
 * and is logged once until a write succeeds again, not every second.
 */
export class ConsumptionWriter {
  #timer: NodeJS.Timeout | undefined;
  #failing = false;
  #lastWritten: number | undefined;

  constructor(
    private readonly ledger: ConsumptionLedger,
    private readonly intervalMs: number,
    private readonly log: Logger,
    /** Told how long each write took and whether it worked (the metrics). */
    private readonly onWrite: (seconds: number, ok: boolean) => void = () => undefined,
  ) {}

  /** performance.now() of the last write that worked; undefined before the first. */
  get lastWritten(): number | undefined {
    return this.#lastWritten;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.write(), this.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  write(): void {
    const started = performance.now();
    try {
      this.ledger.writePending();
      if (this.#failing) this.log.warn('writing consumption works again', { kind: 'store' });
      this.#failing = false;
      this.#lastWritten = performance.now();
      this.onWrite((this.#lastWritten - started) / 1000, true);
    } catch (err) {
      if (!this.#failing) this.log.error('writing consumption failed; will retry', { err: String(err) });
      this.#failing = true;
      this.onWrite((performance.now() - started) / 1000, false);
    }
  }
}
