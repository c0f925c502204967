import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Temporary files live in a folder of the store whose name no upload can take (the routes refuse
 * first segments starting with "."), on the same file system, so link() can put them in place.
 */
export const INCOMING_DIR = '.incoming';

/** A complete upload in its temporary file, not yet visible under any name. */
export interface ReceivedUpload {
  readonly temp: string;
  readonly size: number;
  readonly sha256: string;
}

export type ReceiveOutcome =
  | { readonly kind: 'received'; readonly upload: ReceivedUpload }
  | { readonly kind: 'short'; readonly received: number }
  | { readonly kind: 'long' };

/**
 * Streams `body` into a new temporary file under the store, hashing it on the way, and keeps it only
 * when exactly `size` bytes came. Nothing is buffered beyond the stream's own high-water marks. On
 * any other outcome the temporary file is gone when this returns; on 'received' the caller owns it
 * (it links it into place, or calls `discard`).
 */
export async function receiveUpload(storeDir: string, size: number, body: Readable): Promise<ReceiveOutcome> {
  const incoming = join(storeDir, INCOMING_DIR);
  await mkdir(incoming, { recursive: true });
  const temp = join(incoming, `${randomBytes(16).toString('hex')}.part`);
  const counter = new HashingCounter(size);
  let kept = false;
  try {
    await pipeline(body, counter, createWriteStream(temp, { flags: 'wx', mode: 0o640 }));
    if (counter.tooLong) return { kind: 'long' };
    if (counter.count !== size) return { kind: 'short', received: counter.count };
    kept = true;
    return { kind: 'received', upload: { temp, size, sha256: counter.digest() } };
  } catch (err) {
    if (counter.tooLong) return { kind: 'long' };
    // The client went away before the end; file system errors (ENOSPC …) name a syscall and go on.
    if (counter.count < size && (err as NodeJS.ErrnoException).syscall === undefined) {
      return { kind: 'short', received: counter.count };
    }
    throw err;
  } finally {
    if (!kept) await discard(temp);
  }
}

/** Removes a temporary file that will not be linked into place. */
export async function discard(temp: string): Promise<void> {
  await unlink(temp).catch(() => undefined);
}

/** Counts and hashes bytes, and fails the pipeline at the first byte past `limit`. */
class HashingCounter extends Transform {
  count = 0;
  tooLong = false;
  readonly #hash: Hash = createHash('sha256');

  constructor(readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.count += chunk.length;
    if (this.count > this.limit) {
      this.tooLong = true;
      done(new Error('more bytes than Content-Length'));
      return;
    }
    this.#hash.update(chunk);
    done(null, chunk);
  }

  digest(): string {
    return this.#hash.digest('hex');
  }
}
