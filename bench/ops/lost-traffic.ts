import type { Delivered } from '../lib/paced-download.js';

/**
 * What a fault cost the accounting: bytes the clients received that the store does not hold, and
 * that loss in seconds of the clients' traffic (all their downloads together, each at the rate it
 * saw), which is how issue 12 states the target.
 */

export interface LostTraffic {
  readonly deliveredBytes: number;
  readonly persistedBytes: number;
  /** Negative when the store holds more than the clients got (bytes charged but still in flight). */
  readonly lostBytes: number;
  readonly bytesPerSecond: number;
  /** Seconds of traffic lost; 0 when nothing was. */
  readonly lostSeconds: number;
}

export function lostTraffic(all: readonly Delivered[], persisted: number): LostTraffic {
  const deliveredBytes = all.reduce((sum, d) => sum + d.bytes, 0);
  const bytesPerSecond = all.reduce((sum, d) => sum + (d.seconds > 0 ? d.bytes / d.seconds : 0), 0);
  const lostBytes = deliveredBytes - persisted;
  return {
    deliveredBytes,
    persistedBytes: persisted,
    lostBytes,
    bytesPerSecond,
    lostSeconds: bytesPerSecond > 0 ? Math.max(0, lostBytes) / bytesPerSecond : 0,
  };
}
