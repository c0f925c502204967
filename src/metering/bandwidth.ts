import type { Clock } from '../util/clock.js';
import type { BandwidthPool } from './types.js';

/** The smallest bucket, so slow rates still let a whole socket read through without waiting. */
export const MIN_BUCKET_BYTES = 64 * 1024;

/** How often (by the clock) full, untouched buckets are swept out. */
const SWEEP_EVERY_MS = 60_000;

interface Bucket {
  /** May go negative: a read already done is owed, and the flow waits until it is paid back. */
  tokens: number;
  /** Epoch ms of the last refill. */
  at: number;
  rate: number;
  capacity: number;
}

export function bucketCapacity(bytesPerSecond: number): number {
  return Math.max(bytesPerSecond, MIN_BUCKET_BYTES);
}

/**
 * Token buckets, one per (manager, user), shared by every connection of that user: two downloads
 * split the rate between them. A bucket holds about one second of its rate (64 KiB at least) and
 * refills from the injected clock. A bucket that has refilled to capacity behaves exactly like a new
 * one, so idle buckets are dropped without changing anyone's pace.
 */
export class TokenBuckets implements BandwidthPool {
  readonly #buckets = new Map<string, Bucket>();
  #lastSweep: number;

  constructor(private readonly clock: Clock) {
    this.#lastSweep = clock.now().getTime();
  }

  /** Takes `bytes` from the user's bucket; returns ms to wait until the bucket is non-negative again. */
  take(manager: string, user: string, bytesPerSecond: number, bytes: number): number {
    if (!(bytesPerSecond > 0) || bytesPerSecond === Infinity) return 0;
    const now = this.clock.now().getTime();
    this.#sweep(now);
    const key = `${manager}\u0000${user}`;
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      const capacity = bucketCapacity(bytesPerSecond);
      bucket = { tokens: capacity, at: now, rate: bytesPerSecond, capacity };
      this.#buckets.set(key, bucket);
    } else {
      refill(bucket, now);
      if (bucket.rate !== bytesPerSecond) {
        // A reload changed the rate: keep the debt, apply the new rate from now on.
        bucket.rate = bytesPerSecond;
        bucket.capacity = bucketCapacity(bytesPerSecond);
        bucket.tokens = Math.min(bucket.tokens, bucket.capacity);
      }
    }
    if (bytes > 0) bucket.tokens -= bytes;
    return bucket.tokens >= 0 ? 0 : Math.ceil((-bucket.tokens * 1000) / bucket.rate);
  }

  /** Buckets currently held (for tests and metrics). */
  get size(): number {
    return this.#buckets.size;
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < SWEEP_EVERY_MS) return;
    this.#lastSweep = now;
    for (const [key, bucket] of this.#buckets) {
      refill(bucket, now);
      if (bucket.tokens >= bucket.capacity) this.#buckets.delete(key);
    }
  }
}

function refill(bucket: Bucket, now: number): void {
  const elapsed = now - bucket.at;
  if (elapsed <= 0) return;
  bucket.tokens = Math.min(bucket.capacity, bucket.tokens + (elapsed * bucket.rate) / 1000);
  bucket.at = now;
}
