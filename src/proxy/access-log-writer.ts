import { pino } from 'pino';
import { formatAccess, type AccessFormat } from './access-formats.js';
import type { AccessRecord } from './access-record.js';
import { writeLine } from '../util/write-line.js';

/** Lines are gathered up to this many bytes, or BATCH_MS, before a write: one system call per batch. */
const BATCH_BYTES = 16 * 1024;
const MAX_WRITE = 256 * 1024;
const BATCH_MS = 100;

/**
 * The access log: one line per finished request or tunnel, in `[log] access`'s format, on stdout or
 * in `[log] accessFile`. pino's destination (sonic-boom) does the writing; `reopen` (SIGUSR1, after logrotate moved the
 * file) opens the path again, keeping the lines written meanwhile, so a rotation loses none.
 */
export class AccessLogWriter {
  readonly #destination: ReturnType<typeof pino.destination>;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    private readonly format: AccessFormat,
    private readonly file: string | undefined,
  ) {
    this.#destination = pino.destination({
      ...(file === undefined ? { fd: 1 } : { dest: file, append: true, mkdir: true }),
      sync: false,
      minLength: BATCH_BYTES,
      maxWrite: MAX_WRITE,
      // See writeLine.
      contentMode: 'buffer',
    });
    // A failing log must not take the gateway down; the event log says what happened.
    this.#destination.on('error', () => undefined);
  }

  readonly write = (record: AccessRecord): void => {
    if (this.#closed) return;
    writeLine(this.#destination, formatAccess(this.format, record));
    this.#timer ??= setTimeout(this.#flush, BATCH_MS).unref();
  };

  readonly #flush = (): void => {
    this.#timer = undefined;
    try {
      this.#destination.flush();
    } catch {
      // Already writing: the lines go out with that write or the next.
    }
  };

  /** Opens the file again at its path (logrotate moved it); stdout has nothing to reopen. */
  reopen(): void {
    if (this.file === undefined || this.#closed) return;
    this.#destination.reopen();
  }

  /** Writes what is gathered, then closes the file (stdout stays open: it is not ours). */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    clearTimeout(this.#timer);
    if (this.file === undefined) {
      try {
        this.#destination.flushSync();
      } catch {
        // stdout gone (a closed pipe): nothing more can be written anyway.
      }
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const destination = this.#destination;
      destination.once('close', () => resolve());
      destination.once('error', () => resolve());
      destination.end();
    });
  }
}
