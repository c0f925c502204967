import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ByteRange } from './download-ranges.js';

/** A multipart/byteranges body (RFC 9110 §14.6), laid out before any byte is read. */
export interface ByteRangesPlan {
  /** The response's Content-Type, with the boundary. */
  readonly contentType: string;
  /** The exact body length, for Content-Length. */
  readonly length: number;
  readonly parts: readonly { readonly head: Buffer; readonly range: ByteRange }[];
  readonly tail: Buffer;
}

/**
 * Lays out the parts for `ranges` of a file of `size` bytes served as `partType`. The boundary is
 * random so that no file, however crafted, can end a part early: 96 random bits are not guessable.
 */
export function planByteRanges(
  ranges: readonly ByteRange[],
  size: number,
  partType: string,
  boundary: string = randomBytes(12).toString('hex'),
): ByteRangesPlan {
  const parts = ranges.map((range, index) => ({
    // The CRLF before each delimiter belongs to the delimiter (RFC 2046 §5.1.1), not to the data.
    head: Buffer.from(
      `${index === 0 ? '' : '\r\n'}--${boundary}\r\n` +
        `Content-Type: ${partType}\r\n` +
        `Content-Range: bytes ${range.start}-${range.end}/${size}\r\n\r\n`,
      'latin1',
    ),
    range,
  }));
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
  const length = parts.reduce(
    (sum, { head, range }) => sum + head.length + range.end - range.start + 1,
    tail.length,
  );
  return { contentType: `multipart/byteranges; boundary=${boundary}`, length, parts, tail };
}

/** How much one read takes from the file: the same as an fs read stream's default chunk. */
const CHUNK = 64 * 1024;

/**
 * Streams the planned body from `file`, one chunk at a time, so no more than a chunk is held in
 * memory. The stream owns `file` and closes it once it has closed, however it ends. (One fs read
 * stream per part would not do: destroying one closes the shared descriptor under the next.) If
 * the file is shorter than planned, the body simply ends short; the caller must notice that.
 */
export function byteRangesStream(plan: ByteRangesPlan, file: FileHandle): Readable {
  async function* body(): AsyncGenerator<Buffer> {
    for (const { head, range } of plan.parts) {
      yield head;
      for (let at = range.start; at <= range.end;) {
        const buffer = Buffer.allocUnsafe(Math.min(CHUNK, range.end - at + 1));
        const { bytesRead } = await file.read(buffer, 0, buffer.length, at);
        if (bytesRead === 0) return;
        yield buffer.subarray(0, bytesRead);
        at += bytesRead;
      }
    }
    yield plan.tail;
  }
  const stream = Readable.from(body(), { objectMode: false });
  // 'close' comes after the generator has stopped, so no read can still be using the descriptor.
  stream.once('close', () => void file.close().catch(() => undefined));
  return stream;
}
