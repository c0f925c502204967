import { Transform, type TransformCallback } from 'node:stream';
import type { Meter, Pacer } from '../managers/types.js';
import { chargeAll, paceAll } from '../proxy/metered-flow.js';

/**
 * A download's bytes as the download rule's quotas see them: each chunk is charged before it goes
 * on, paced by the reached bandwidth managers, and the stream ends early (with an error, so the
 * response is cut rather than taken for complete) at the chunk that exhausts a quota.
 */
export class DownloadMeter extends Transform {
  constructor(
    private readonly meters: readonly Meter[],
    private readonly pacers: readonly Pacer[],
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const fit = chargeAll(this.meters, chunk.length);
    if (fit < chunk.length) {
      if (fit > 0) this.push(chunk.subarray(0, fit));
      done(new Error('the download quota ran out'));
      return;
    }
    const wait = paceAll(this.pacers, chunk.length);
    if (wait > 0) setTimeout(() => done(null, chunk), wait);
    else done(null, chunk);
  }
}
