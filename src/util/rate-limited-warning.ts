import type { Logger } from './logger.js';

/** How often a flood of one kind of event may write a line, by default. */
const DEFAULT_INTERVAL_MS = 10_000;

/**
 * A warning that anyone on the network can cause (a malformed request, a slow client cut, a
 * connection over its cap) writes at most one line per interval: the first event in an interval is
 * logged with its details, the rest are counted by kind and reported in one line when the interval
 * ends. A flood costs the log a line every few seconds, never one per event.
 */
export class RateLimitedWarning {
  readonly #log: Logger;
  readonly #message: string;
  readonly #intervalMs: number;
  #quietUntil = 0;
  #suppressed = new Map<string, number>();
  #flush: NodeJS.Timeout | undefined;

  constructor(log: Logger, message: string, intervalMs = DEFAULT_INTERVAL_MS) {
    this.#log = log;
    this.#message = message;
    this.#intervalMs = intervalMs;
  }

  /** One event of `kind` (a short word: "malformed", "timeout" …) with what to log about it. */
  note(kind: string, fields: Record<string, unknown> = {}): void {
    const now = Date.now();
    if (now >= this.#quietUntil) {
      this.#quietUntil = now + this.#intervalMs;
      this.#log.warn(this.#message, { kind, ...fields });
      return;
    }
    this.#suppressed.set(kind, (this.#suppressed.get(kind) ?? 0) + 1);
    if (this.#flush === undefined)
      this.#flush = setTimeout(() => this.#report(), this.#quietUntil - now).unref();
  }

  #report(): void {
    this.#flush = undefined;
    if (this.#suppressed.size === 0) return;
    const suppressed = Object.fromEntries(this.#suppressed);
    this.#suppressed = new Map();
    this.#quietUntil = Date.now() + this.#intervalMs;
    this.#log.warn(`${this.#message} (more, not logged one by one)`, { suppressed });
  }
}
