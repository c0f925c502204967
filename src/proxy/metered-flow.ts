import type { Readable, Writable } from 'node:stream';
import type { Meter, Pacer } from '../managers/types.js';
import type { Decision } from '../rules/decision.js';

/** How pacing waits; tests inject one they control. */
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Charges `bytes` to every meter and returns how many of them fit in all quotas. Each meter is asked
 * for the whole amount, so each records the flow even when another one is the tighter.
 */
export function chargeAll(meters: readonly Meter[], bytes: number): number {
  let fit = bytes;
  for (const meter of meters) fit = Math.min(fit, meter.charge(bytes));
  return Math.max(0, fit);
}

/** What a flow is charged to: the decision's quotas, and the leases (sessions) it depends on. */
export function flowMeters(decision: Decision): readonly Meter[] {
  return decision.leases === undefined ? decision.meters : [...decision.meters, ...decision.leases];
}

/** Takes `bytes` from every pacer's budget; the longest wait asked for wins. */
export function paceAll(pacers: readonly Pacer[], bytes: number): number {
  let wait = 0;
  for (const pacer of pacers) wait = Math.max(wait, pacer.take(bytes));
  return wait;
}

/**
 * Where the origin's bytes come from, as far as a flow needs it: something it can hold back and let
 * go again. The chunks themselves are handed to `MeteredFlow.push` by whoever reads them (a
 * stream's 'data' events, a socket's `onread` callback, an HTTP client's body callback).
 */
export interface FlowSource {
  pause(): void;
  resume(): void;
}

export interface MeteredFlowOptions {
  /** Bytes coming from the origin. */
  readonly source: FlowSource;
  /** Where they go: the client. */
  readonly sink: Writable;
  readonly meters: readonly Meter[];
  readonly pacers: readonly Pacer[];
  readonly sleep: Sleep;
  /** How long a blocked write may wait for the client to read; 0 = forever. */
  readonly writeTimeout: number;
  /** A quota ran out: `last` is the part of the chunk that still fits. Deliver it, then cut. */
  readonly onQuotaCut: (last: Buffer) => void;
  /** The client read nothing for `writeTimeout`. */
  readonly onWriteStall: () => void;
}

/**
 * Moves origin bytes to the client one chunk at a time: each chunk is charged to the meters before it
 * is written (so the count never trails what was delivered, and a quota stops the flow within the
 * chunk that crosses it), paced by the pacers (the source pauses; nothing is dropped), and the source
 * pauses while the client is not keeping up. Nothing is buffered beyond the chunk in hand.
 */
export class MeteredFlow {
  readonly #o: MeteredFlowOptions;
  #delivered = 0;
  #waitingDrain = false;
  #waitingPace = false;
  #stopped = false;
  #stallTimer: NodeJS.Timeout | undefined;

  constructor(options: MeteredFlowOptions) {
    this.#o = options;
  }

  /** Bytes handed to the client so far (all charged). */
  get delivered(): number {
    return this.#delivered;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * The flow stopped reading on purpose (pacing, a client slower than the origin): an idle timer
   * that fires now must not take the pause for the origin going quiet. Asked when a timer fires,
   * not signalled on every pause: a pause comes with nearly every chunk (a 64 KiB chunk is over the
   * socket's 16 KiB high-water mark), and switching socket timers off and on for each one cost more
   * than half of a tunnel's CPU.
   */
  get held(): boolean {
    return !this.#stopped && (this.#waitingDrain || this.#waitingPace);
  }

  /** Starts moving data, after `initialWaitMs` of pacing when the head already used the budget. */
  start(initialWaitMs = 0): void {
    if (initialWaitMs > 0) this.#pace(initialWaitMs);
    else this.#o.source.resume();
  }

  /** Stops taking chunks; the caller closes the streams. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#o.sink.off('drain', this.#onDrain);
    clearTimeout(this.#stallTimer);
  }

  /** Takes one chunk from the origin: charges it, writes it, and holds the source when it must wait. */
  push(chunk: Buffer): void {
    // undici hands over empty chunks when a paused parser resumes: nothing to charge, write or pace.
    if (this.#stopped || chunk.length === 0) return;
    const fit = chargeAll(this.#o.meters, chunk.length);
    if (fit < chunk.length) {
      this.stop();
      this.#delivered += fit;
      this.#o.onQuotaCut(chunk.subarray(0, fit));
      return;
    }
    this.#delivered += chunk.length;
    if (!this.#o.sink.write(chunk)) {
      this.#hold();
      this.#waitingDrain = true;
      this.#o.sink.once('drain', this.#onDrain);
      if (this.#o.writeTimeout > 0) {
        this.#stallTimer = setTimeout(() => {
          if (!this.#stopped) this.#o.onWriteStall();
        }, this.#o.writeTimeout);
      }
    }
    const wait = paceAll(this.#o.pacers, chunk.length);
    if (wait > 0) this.#pace(wait);
  }

  readonly #onDrain = (): void => {
    clearTimeout(this.#stallTimer);
    this.#waitingDrain = false;
    this.#resumeIfFree();
  };

  #pace(ms: number): void {
    this.#hold();
    this.#waitingPace = true;
    const done = (): void => {
      this.#waitingPace = false;
      this.#resumeIfFree();
    };
    this.#o.sleep(ms).then(done, done);
  }

  #hold(): void {
    this.#o.source.pause();
  }

  #resumeIfFree(): void {
    if (this.#stopped || this.#waitingDrain || this.#waitingPace) return;
    this.#o.source.resume();
  }
}

/** A flow fed by a readable stream's 'data' events (the stream is its source); `start` lets it flow. */
export function streamFlow(source: Readable, options: Omit<MeteredFlowOptions, 'source'>): MeteredFlow {
  const flow = new MeteredFlow({ ...options, source });
  source.on('data', (chunk: Buffer) => flow.push(chunk));
  source.pause();
  return flow;
}
