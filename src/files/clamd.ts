import net from 'node:net';
import type { Readable } from 'node:stream';
import { formatClamdAddress, parseClamdAddress, type ClamdAddress } from './clamd-address.js';
import { parseInstreamReply, scanError, type ScanResult } from './scan-result.js';

export interface ClamdOptions {
  /** How long connecting may take, in ms (default 2 s): a clamd that is down should cost little. */
  readonly connectTimeoutMs?: number;
  /** How long the whole exchange may take, from connecting to clamd's answer, in ms (default 120 s). */
  readonly timeoutMs?: number;
}

export type PingResult = { readonly up: true } | { readonly up: false; readonly reason: string };

/**
 * Bytes per INSTREAM chunk. clamd refuses a single chunk larger than its StreamMaxLength, and smaller
 * chunks let it find the limit (and us stop sending) early; 64 KiB is also a file stream's read size.
 */
const CHUNK = 64 * 1024;
/** clamd's answers are one short line; more than this is not clamd. */
const MAX_REPLY = 4096;

/** `unreachable`: the error came before a connection was made. */
type Outcome = { readonly reply: string } | { readonly error: string; readonly unreachable: boolean };
/** Writes a command's body once connected; `stopped()` turns true when the exchange is over. */
type BodyWriter = (socket: net.Socket, stopped: () => boolean) => Promise<void>;

/**
 * A clamd client over its socket. Every call opens its own connection and uses the `z` (NUL-ended)
 * form of the commands, so an answer's end is unambiguous even if a signature name holds odd bytes.
 */
export class ClamdClient {
  readonly address: ClamdAddress;
  private readonly connectTimeoutMs: number;
  private readonly timeoutMs: number;

  /** `address` as the `clamd` configuration key gives it; a malformed one throws. */
  constructor(address: string | ClamdAddress, options: ClamdOptions = {}) {
    const parsed = typeof address === 'string' ? parseClamdAddress(address) : address;
    if ('error' in parsed) throw new Error(parsed.error);
    this.address = parsed;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 2000;
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  /** clamd's health check: `PING` answered by `PONG`. */
  async ping(): Promise<PingResult> {
    const outcome = await this.exchange('PING');
    if ('error' in outcome) return { up: false, reason: outcome.error };
    if (outcome.reply.trim() === 'PONG') return { up: true };
    return { up: false, reason: `clamd answered PING with ${JSON.stringify(outcome.reply.slice(0, 200))}` };
  }

  /**
   * Scans the bytes of `input` with INSTREAM, reading it as clamd takes it: a file is streamed from
   * disk, never held in memory. `input` is consumed; if the scan ends before it does (a limit, a
   * timeout, clamd gone) it is destroyed, so a file stream's descriptor is not left open.
   */
  async scan(input: Readable): Promise<ScanResult> {
    // The input is read only once clamd is connected; an error before that (a file that cannot be
    // opened) would otherwise be an 'error' event nobody listens to, which ends the process. Reading
    // still sees it: the stream is errored, so iterating it throws.
    input.on('error', ignore);
    const outcome = await this.exchange('INSTREAM', (socket, stopped) => sendStream(socket, input, stopped));
    if (!input.readableEnded && !input.destroyed) input.destroy();
    if (!('error' in outcome)) return parseInstreamReply(outcome.reply);
    return outcome.unreachable ? { verdict: 'unreachable', reason: outcome.error } : scanError(outcome.error);
  }

  /** Connects, sends `z<command>\0` and then the body, and reads the NUL-ended answer. */
  private exchange(command: string, body?: BodyWriter): Promise<Outcome> {
    const where = formatClamdAddress(this.address);
    return new Promise((resolve) => {
      const socket =
        this.address.kind === 'unix'
          ? net.connect({ path: this.address.path })
          : net.connect({ host: this.address.host, port: this.address.port, noDelay: true });
      const received: Buffer[] = [];
      let receivedBytes = 0;
      let settled = false;
      let connected = false;
      const fail = (error: string): void => finish({ error, unreachable: !connected });
      const finish = (outcome: Outcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        clearTimeout(overallTimer);
        socket.destroy();
        resolve(outcome);
      };
      const connectTimer = setTimeout(
        () => fail(`no connection to clamd at ${where} within ${this.connectTimeoutMs} ms`),
        this.connectTimeoutMs,
      );
      const overallTimer = setTimeout(
        () => fail(`no answer from clamd at ${where} within ${this.timeoutMs} ms`),
        this.timeoutMs,
      );

      let sending = false;
      socket.on('error', (err: NodeJS.ErrnoException) => {
        // clamd answers a stream over its StreamMaxLength and hangs up while we are still writing; our
        // next write then often fails before its answer is read (Node drops unread data on a write
        // error), so that answer is lost and this is the next best account of it.
        const cut = sending && (err.code === 'EPIPE' || err.code === 'ECONNRESET');
        fail(
          cut
            ? `clamd at ${where} stopped reading before the end of the stream (${err.message}): ` +
                'the stream is likely over its StreamMaxLength'
            : `clamd at ${where}: ${err.message}`,
        );
      });
      socket.on('data', (data: Buffer) => {
        received.push(data);
        receivedBytes += data.length;
        const all = Buffer.concat(received, receivedBytes);
        const end = all.indexOf(0);
        if (end >= 0) finish({ reply: all.subarray(0, end).toString('utf8') });
        else if (receivedBytes > MAX_REPLY) fail(`clamd at ${where} sent an over-long answer`);
      });
      // clamd closes after its answer; an answer without the NUL still counts, none at all does not.
      socket.on('end', () =>
        finish(
          receivedBytes > 0
            ? { reply: Buffer.concat(received, receivedBytes).toString('utf8') }
            : { error: `clamd at ${where} closed the connection without answering`, unreachable: false },
        ),
      );
      socket.once('connect', () => {
        connected = true;
        clearTimeout(connectTimer);
        socket.write(`z${command}\0`);
        sending = body !== undefined;
        body?.(socket, () => settled).catch((err: unknown) =>
          fail(`reading the stream to scan: ${err instanceof Error ? err.message : String(err)}`),
        );
      });
    });
  }
}

/**
 * INSTREAM's body: each piece of `input` as 4-byte big-endian length-prefixed chunks, then a
 * zero-length chunk. It waits for the socket to drain, so the input is read only as fast as clamd
 * takes it.
 */
async function sendStream(socket: net.Socket, input: Readable, stopped: () => boolean): Promise<void> {
  for await (const piece of input as AsyncIterable<unknown>) {
    if (stopped()) return;
    const bytes = asBuffer(piece);
    // An empty piece is skipped: as a chunk its zero length would end the stream early.
    for (let at = 0; at < bytes.length; at += CHUNK) {
      const part = bytes.subarray(at, at + CHUNK);
      const header = Buffer.allocUnsafe(4);
      header.writeUInt32BE(part.length, 0);
      socket.write(header);
      if (!socket.write(part)) await drained(socket);
      if (stopped()) return;
    }
  }
  if (!stopped()) socket.write(Buffer.alloc(4));
}

function ignore(): void {}

function asBuffer(piece: unknown): Buffer {
  if (Buffer.isBuffer(piece)) return piece;
  if (typeof piece === 'string') return Buffer.from(piece, 'utf8');
  if (piece instanceof Uint8Array) return Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
  throw new TypeError('the stream to scan must yield bytes (Buffer, Uint8Array or string)');
}

/** Resolves when the socket can take more, or is closed (then the writer sees `stopped()`). */
function drained(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) {
      resolve();
      return;
    }
    const done = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}
