import type Koa from 'koa';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { byteRangesStream, planByteRanges } from './byteranges-body.js';
import {
  evaluatePreconditions,
  ifRangeHolds,
  parseEntityTag,
  type Validators,
} from './download-conditions.js';
import { contentSecurityPolicy, dispositionHeader, servedContentType } from './download-headers.js';
import { chooseRanges, type RangeChoice } from './download-ranges.js';

/** A stored file, already chosen and authorised, to answer a GET or HEAD with. */
export interface DownloadFile {
  /** Absolute path of the file on disk. */
  readonly path: string;
  /** Its size as recorded; the file on disk must still have it. */
  readonly size: number;
  /** For Last-Modified, If-Modified-Since, If-Unmodified-Since and If-Range dates. */
  readonly modified: Date;
  /** The stored type, validated at upload, e.g. "image/png" or "text/plain; charset=utf-8". */
  readonly contentType: string;
  /** A complete entity tag: `"<sha256 hex>"` (strong) or `W/"…"` (weak). */
  readonly etag: string;
  /** The file name for Content-Disposition, any Unicode. */
  readonly name: string;
  /** Saved, never shown, whatever its type: an admin's copy of someone's file. */
  readonly attachment?: boolean;
}

/** Wraps a body stream, e.g. to charge a download quota per chunk; ending early cuts the answer. */
export type ThroughMeter = (body: Readable) => Readable;

/** How a download was answered, for the caller's log. */
export type DownloadOutcome =
  /** 200 or 206; for GET the body is under way, and may still be cut (see DownloadLengthError). */
  | 'sent'
  | 'not-modified'
  | 'precondition-failed'
  | 'range-not-satisfiable'
  /** 404: the file vanished (or is no longer a regular file) between choosing and opening it. */
  | 'missing'
  /** 500: the file on disk is not the size its record says; its ETag cannot be trusted. */
  | 'size-mismatch';

/**
 * The body that reached the client was not the length its Content-Length promised: the meter ended
 * it early (a quota ran out) or the file shrank. koa receives it as a stream error, destroys the
 * connection (or HTTP/2 stream) so the client cannot take the truncated body for complete, and
 * emits it on the app's 'error' event, where a meter's cut is expected rather than a fault.
 */
export class DownloadLengthError extends Error {
  readonly code = 'ERR_DOWNLOAD_LENGTH';
  constructor(
    readonly sent: number,
    readonly expected: number,
  ) {
    super(`${sent} bytes of a download body passed where ${expected} were declared`);
    this.name = 'DownloadLengthError';
  }
}

/**
 * Answers a GET or HEAD for `file` on koa's ctx (RFC 9110 §13-14): conditionals (304/412), Range
 * on GET (206, multipart/byteranges for several ranges, 416), If-Range, and the safety headers
 * (nosniff, a sandboxing CSP, inline only for images, audio, video and plain text). Range on HEAD is
 * ignored, as RFC 9110 §14.2 defines range handling for GET only; a HEAD shows the 200's headers.
 * `throughMeter`, when given, wraps every body stream. Throws for other methods: routing is the
 * caller's. Preconditions are judged from `file` before the file is opened (a 304 or 412 needs no
 * descriptor); everything else opens it first, and answers 404 if it has gone. The CSP and nosniff
 * set here replace the caller's; a caller must not loosen them afterwards.
 */
export async function sendDownload(
  ctx: Koa.Context,
  file: DownloadFile,
  throughMeter?: ThroughMeter,
): Promise<DownloadOutcome> {
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
    throw new TypeError(`sendDownload answers GET and HEAD, not ${ctx.method}`);
  }
  const etag = parseEntityTag(file.etag);
  if (etag === undefined) throw new TypeError(`not an entity tag: ${file.etag}`);
  const validators: Validators = { etag, modified: file.modified };
  const contentType = servedContentType(file.contentType);
  // Worked out before the file is opened, so nothing can throw while a descriptor is unowned.
  const disposition = dispositionHeader(contentType, file.name, file.attachment === true);
  // Safe on its own even if the caller set none of these (or set weaker ones).
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Content-Security-Policy', contentSecurityPolicy(contentType));

  switch (evaluatePreconditions(ctx.req.headers, validators)) {
    case 'not-modified':
      setValidators(ctx, file);
      ctx.status = 304;
      ctx.body = null;
      return 'not-modified';
    case 'failed':
      answer(ctx, 412, 'a precondition of the request does not hold');
      return 'precondition-failed';
    case 'proceed':
      break;
  }

  const opened = await openFile(file.path);
  if (opened === undefined) {
    answer(ctx, 404, 'no such file');
    return 'missing';
  }
  const { handle, size } = opened;
  if (size !== file.size) {
    await handle.close();
    answer(ctx, 500, 'the stored file does not match its record');
    return 'size-mismatch';
  }

  const choice = rangeChoice(ctx, validators, size);
  ctx.set('Accept-Ranges', 'bytes');
  if (choice.kind === 'unsatisfiable') {
    await handle.close();
    ctx.set('Content-Range', `bytes */${size}`);
    answer(ctx, 416, 'no requested range is within the file');
    return 'range-not-satisfiable';
  }

  setValidators(ctx, file);
  ctx.set('Content-Disposition', disposition);
  if (choice.kind === 'whole' && (ctx.method === 'HEAD' || size === 0)) {
    await handle.close();
    ctx.status = 200;
    ctx.set('Content-Type', contentType);
    // Content-Length is set after the body: koa's body setter clears it.
    if (ctx.method === 'GET') ctx.body = Buffer.alloc(0);
    ctx.set('Content-Length', String(size));
    return 'sent';
  }

  let body: Readable;
  let length: number;
  const ranges = choice.kind === 'whole' ? [{ start: 0, end: size - 1 }] : choice.ranges;
  const [first] = ranges;
  if (ranges.length === 1 && first !== undefined) {
    ctx.status = choice.kind === 'whole' ? 200 : 206;
    if (choice.kind === 'partial') ctx.set('Content-Range', `bytes ${first.start}-${first.end}/${size}`);
    ctx.set('Content-Type', contentType);
    // The stream owns the handle from here: it closes it when it ends or is destroyed.
    body = handle.createReadStream({ start: first.start, end: first.end });
    length = first.end - first.start + 1;
  } else {
    const plan = planByteRanges(ranges, size, contentType);
    ctx.status = 206;
    ctx.set('Content-Type', plan.contentType);
    body = byteRangesStream(plan, handle);
    length = plan.length;
  }
  ctx.body = guardedBody(body, length, throughMeter);
  ctx.set('Content-Length', String(length));
  return 'sent';
}

/** Range applies to GET only, and only while If-Range holds; otherwise the whole file is sent. */
function rangeChoice(ctx: Koa.Context, validators: Validators, size: number): RangeChoice {
  const range = ctx.req.headers.range;
  if (ctx.method !== 'GET' || range === undefined) return { kind: 'whole' };
  const ifRange = ctx.req.headers['if-range'];
  const ifRangeValue = Array.isArray(ifRange) ? ifRange.join(', ') : ifRange;
  if (!ifRangeHolds(ifRangeValue, validators)) return { kind: 'whole' };
  return chooseRanges(range, size);
}

function setValidators(ctx: Koa.Context, file: DownloadFile): void {
  ctx.set('ETag', file.etag);
  ctx.set('Last-Modified', file.modified.toUTCString());
}

/**
 * Opens the file before anything is promised about it: a file deleted after it was chosen gives
 * undefined (a 404), and one deleted while it is sent is still read whole through the descriptor.
 * O_NONBLOCK keeps a FIFO planted in the store from blocking a thread of the pool on open.
 */
async function openFile(path: string): Promise<{ handle: FileHandle; size: number } | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
  try {
    const stat = await handle.stat();
    if (stat.isFile()) return { handle, size: stat.size };
  } catch (err) {
    await handle.close();
    throw err;
  }
  await handle.close();
  return undefined;
}

/**
 * The body koa sends: `source` through the meter, then through a check that exactly `length`
 * bytes pass. Whichever stream of the chain closes first (the client gone, the meter done), the
 * rest are destroyed, so the file's descriptor is released.
 */
function guardedBody(source: Readable, length: number, throughMeter?: ThroughMeter): Readable {
  let metered: Readable;
  try {
    metered = throughMeter === undefined ? source : throughMeter(source);
  } catch (err) {
    source.destroy();
    throw err;
  }
  const guard = new LengthGuard(length);
  // A meter that pipes without forwarding errors would leave a read error unheard (and uncaught).
  if (metered !== source) source.on('error', (err) => guard.destroy(err));
  pipeline(metered, guard, () => {
    // Errors reach koa through `guard`, which pipeline destroys with them.
  });
  guard.once('close', () => {
    metered.destroy();
    source.destroy();
  });
  return guard;
}

/** Passes bytes on, and fails the stream if they are fewer or more than were declared. */
class LengthGuard extends Transform {
  #passed = 0;

  constructor(private readonly expected: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#passed += chunk.length;
    if (this.#passed > this.expected) done(new DownloadLengthError(this.#passed, this.expected));
    else done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.#passed < this.expected) done(new DownloadLengthError(this.#passed, this.expected));
    else done();
  }
}

function answer(ctx: Koa.Context, status: number, message: string): void {
  ctx.status = status;
  ctx.set('Content-Type', 'text/plain; charset=utf-8');
  ctx.body = `${message}\n`;
}
