/**
 * Bounds the password verifications running at once. argon2 runs on libuv's threadpool, which the
 * whole process shares (DNS lookups and file reads too): unbounded, a flood of guesses queues there
 * and everyone's login, and the proxy's name lookups, wait behind it. The gate runs at most
 * `concurrency` verifications, no address more than `perAddressRunning` of them, keeps a short
 * queue per address and overall, and serves the queued addresses in turn, so a flood from one
 * address delays another address's login by about one verification, not by the flood's length.
 * A task that finds the queue full is refused at once; the caller answers "busy".
 */
export interface VerifyGateLimits {
  readonly concurrency: number;
  readonly perAddressRunning: number;
  readonly perAddressQueue: number;
  readonly totalQueue: number;
}

interface Waiting {
  readonly start: () => void;
}

/** libuv's threadpool has UV_THREADPOOL_SIZE threads, 4 unless set (at most 1024). */
export function threadpoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env['UV_THREADPOOL_SIZE']);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, 1024) : 4;
}

/**
 * One thread of the pool is left to DNS and the file system, and no address takes all the rest,
 * so another address's check starts at once. The queue of an address holds a building's worth of
 * first requests behind one NAT address (about half a second of checks at ~40 ms each); the
 * overall queue twice that.
 */
export function defaultGateLimits(pool = threadpoolSize()): VerifyGateLimits {
  const concurrency = Math.max(1, pool - 1);
  return {
    concurrency,
    perAddressRunning: Math.max(1, Math.ceil(concurrency / 2)),
    perAddressQueue: 16,
    totalQueue: 32,
  };
}

export class VerifyGate {
  #running = 0;
  #waitingTotal = 0;
  readonly #runningBy = new Map<string, number>();
  /** Addresses with queued tasks, in the order they are served next (Map keeps insertion order). */
  readonly #queues = new Map<string, Waiting[]>();

  constructor(readonly limits: VerifyGateLimits = defaultGateLimits()) {}

  get running(): number {
    return this.#running;
  }
  get waiting(): number {
    return this.#waitingTotal;
  }

  /** True when a task for `ip` would be started or queued now. */
  hasRoom(ip: string): boolean {
    if (this.#canStart(ip)) return true;
    const queued = this.#queues.get(ip)?.length ?? 0;
    return queued < this.limits.perAddressQueue && this.#waitingTotal < this.limits.totalQueue;
  }

  /** Runs `task` now or after its turn; undefined, at once, when there is no room for it. */
  tryRun<T>(ip: string, task: () => Promise<T>): Promise<T> | undefined {
    if (this.#canStart(ip)) return this.#start(ip, task);
    if (!this.hasRoom(ip)) return undefined;
    return new Promise<T>((resolve, reject) => {
      const start = (): void => {
        this.#start(ip, task).then(resolve, reject);
      };
      let queue = this.#queues.get(ip);
      if (queue === undefined) {
        queue = [];
        this.#queues.set(ip, queue);
      }
      queue.push({ start });
      this.#waitingTotal += 1;
    });
  }

  #canStart(ip: string): boolean {
    return (
      this.#running < this.limits.concurrency &&
      (this.#runningBy.get(ip) ?? 0) < this.limits.perAddressRunning &&
      // Tasks already waiting for this address go first.
      (this.#queues.get(ip)?.length ?? 0) === 0
    );
  }

  #start<T>(ip: string, task: () => Promise<T>): Promise<T> {
    this.#running += 1;
    this.#runningBy.set(ip, (this.#runningBy.get(ip) ?? 0) + 1);
    let running: Promise<T>;
    try {
      running = task();
    } catch (err) {
      running = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return running.finally(() => this.#finished(ip));
  }

  #finished(ip: string): void {
    this.#running -= 1;
    const left = (this.#runningBy.get(ip) ?? 1) - 1;
    if (left > 0) this.#runningBy.set(ip, left);
    else this.#runningBy.delete(ip);
    this.#startNext();
  }

  /** Starts queued tasks while there is room, one address at a time in turn. */
  #startNext(): void {
    let started = true;
    while (started && this.#running < this.limits.concurrency) {
      started = false;
      for (const [ip, queue] of this.#queues) {
        if ((this.#runningBy.get(ip) ?? 0) >= this.limits.perAddressRunning) continue;
        const next = queue.shift();
        if (next === undefined) continue;
        this.#waitingTotal -= 1;
        // Served: to the back of the line, or out of it when nothing else waits.
        this.#queues.delete(ip);
        if (queue.length > 0) this.#queues.set(ip, queue);
        next.start();
        started = true;
        break;
      }
    }
  }
}

/** The process's gate: the threadpool it protects is the process's too. */
export const verifyGate = new VerifyGate();
