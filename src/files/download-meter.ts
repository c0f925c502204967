import { Transform, type TransformCallback } from 'node:stream';
import type { Meter, Pacer } from '../managers/types.js';
import { chargeAll, paceAll } from '../proxy/metered-flow.js';

/**
 * A download's bytes as the download rule's quotas see them: each chunk is charged before it goes
 * on, and paced by the reached bandwidth managers. At the chunk that exhausts a quota the part that
 * fits goes out and the stream ends early; the response's length guard then cuts the connection, so
 * the client cannot take the short body for the whole file.
 */
export class DownloadMeter extends Transform {
  #cut = false;

  constructor(
    private readonly meters: readonly Meter[],
    private readonly pacers: readonly Pacer[],
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.#cut) {
      done();
      return;
    }
    const fit = chargeAll(this.meters, chunk.length);
    if (fit < chunk.length) {
      this.#cut = true;
      if (fit > 0) this.push(chunk.subarray(0, fit));
      this.push(null);
      done();
      return;
    }
    const wait = paceAll(this.pacers, chunk.length);
    if (wait > 0) setTimeout(() => done(null, chunk), wait);
    else done(null, chunk);
  }
}
