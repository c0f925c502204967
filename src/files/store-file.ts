import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, mkdir, statfs, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Temporary files live in a folder of the store whose name no upload can take (the route refuses
 * first segments starting with "."), on the same file system, so link() can put them in place.
 */
export const INCOMING_DIR = '.incoming';

export type StoreOutcome =
  | { readonly kind: 'stored' }
  | { readonly kind: 'exists' }
  | { readonly kind: 'short'; readonly received: number }
  | { readonly kind: 'long' };

/**
 * Writes `body` to a temporary file and links it to `file` only when exactly `size` bytes came:
 * a cut or failed upload leaves nothing visible, and a retry of the same URL can then succeed.
 * link() fails when `file` exists, so two uploads racing for one name never overwrite each other.
 */
export async function storeUpload(
  storeDir: string,
  file: string,
  size: number,
  body: Readable,
): Promise<StoreOutcome> {
  const incoming = join(storeDir, INCOMING_DIR);
  await mkdir(incoming, { recursive: true });
  const temp = join(incoming, `${randomBytes(16).toString('hex')}.part`);
  const counter = new ByteCounter(size);
  try {
    await pipeline(body, counter, createWriteStream(temp, { flags: 'wx', mode: 0o640 }));
    if (counter.tooLong) return { kind: 'long' };
    if (counter.count !== size) return { kind: 'short', received: counter.count };
    try {
      await mkdir(dirname(file), { recursive: true });
      await link(temp, file);
    } catch (err) {
      // EEXIST: the name is taken; ENOTDIR: a file sits where a folder of the path would go.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ENOTDIR') return { kind: 'exists' };
      throw err;
    }
    return { kind: 'stored' };
  } catch (err) {
    if (counter.tooLong) return { kind: 'long' };
    // The client went away before the end; file system errors (ENOSPC …) name a syscall and go on.
    if (counter.count < size && (err as NodeJS.ErrnoException).syscall === undefined) {
      return { kind: 'short', received: counter.count };
    }
    throw err;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** Counts bytes and fails the pipeline at the first byte past `limit`. */
class ByteCounter extends Transform {
  count = 0;
  tooLong = false;
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
    done(null, chunk);
  }
}

/** Bytes free for unprivileged users on the file system holding `dir`. */
export async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}
