import Koa from 'koa';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  sendDownload,
  type DownloadFile,
  type DownloadOutcome,
  type ThroughMeter,
} from '../../src/files/download-response.js';

/** A koa app on 127.0.0.1 that answers `GET /<key>` with sendDownload for `files.get(key)`. */
export interface DownloadServer {
  readonly base: string;
  readonly port: number;
  readonly files: Map<string, DownloadFile>;
  /** The meter every body goes through, while set. */
  meter: ThroughMeter | undefined;
  /** What sendDownload returned, in order. */
  readonly outcomes: DownloadOutcome[];
  /** What koa emitted on 'error'. */
  readonly errors: unknown[];
  close(): Promise<void>;
}

/** `h2c` serves cleartext HTTP/2, as the gateway's web server speaks HTTP/2 (over TLS). */
export async function startDownloadServer(protocol: 'http1' | 'h2c' = 'http1'): Promise<DownloadServer> {
  const app = new Koa();
  const state = {
    files: new Map<string, DownloadFile>(),
    meter: undefined as ThroughMeter | undefined,
    outcomes: [] as DownloadOutcome[],
    errors: [] as unknown[],
  };
  app.on('error', (err: unknown) => state.errors.push(err));
  app.use(async (ctx) => {
    const file = state.files.get(decodeURIComponent(ctx.path.slice(1)));
    if (file === undefined) return;
    state.outcomes.push(await sendDownload(ctx, file, state.meter));
  });
  const handle = app.callback();
  const sockets = new Set<Socket>();
  const server =
    protocol === 'http1'
      ? http.createServer((req, res) => void handle(req, res))
      : http2.createServer((req, res) => void handle(req, res));
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    base: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  });
}

/** An answer as the client got it. */
export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** The connection broke before the body was complete. */
  readonly cut: boolean;
}

export interface Ask {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** Defaults to a fresh connection per request; a keep-alive agent shows an unclosed cut. */
  readonly agent?: http.Agent | false;
}

/** Sends one request to `port` and collects the answer, noting a body cut short. */
export function ask(port: number, path: string, options: Ask = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        agent: options.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        // A cut body ends in an 'aborted' error; `complete` tells either way.
        res.on('error', () => undefined);
        res.on('close', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            cut: !res.complete,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Milliseconds on purpose: Last-Modified has none, and the comparisons must use what it states. */
export const MODIFIED = new Date('2024-05-06T07:08:09.345Z');
export const LAST_MODIFIED = 'Mon, 06 May 2024 07:08:09 GMT';

/** A download server with given bytes in a temporary folder, served as `data`, and `empty`. */
export interface DownloadFixture {
  readonly server: DownloadServer;
  readonly dir: string;
  readonly data: Buffer;
  /** The strong ETag of `data`: its SHA-256 in quotes. */
  readonly etag: string;
  /** `data`, served as `photo.png` (image/png). */
  readonly file: DownloadFile;
  /** Serves `file`, with `changes`, under `key`. */
  serve(key: string, changes?: Partial<DownloadFile>): void;
  get(key: string, headers?: Record<string, string>, method?: string): Promise<Answer>;
  close(): Promise<void>;
}

/** The strong ETag the fixture gives `data`: its SHA-256 in quotes. */
export function strongEtag(data: Buffer): string {
  return `"${createHash('sha256').update(data).digest('hex')}"`;
}

export async function startDownloadFixture(
  data: Buffer,
  protocol: 'http1' | 'h2c' = 'http1',
): Promise<DownloadFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'pmproxy-download-'));
  writeFileSync(join(dir, 'data.bin'), data);
  writeFileSync(join(dir, 'empty.txt'), '');
  const server = await startDownloadServer(protocol);
  const etag = strongEtag(data);
  const file: DownloadFile = {
    path: join(dir, 'data.bin'),
    size: data.length,
    modified: MODIFIED,
    contentType: 'image/png',
    etag,
    name: 'photo.png',
  };
  const serve = (key: string, changes: Partial<DownloadFile> = {}): void => {
    server.files.set(key, { ...file, ...changes });
  };
  serve('data');
  serve('empty', { path: join(dir, 'empty.txt'), size: 0, contentType: 'text/plain', name: 'e.txt' });
  return {
    server,
    dir,
    data,
    etag,
    file,
    serve,
    get: (key, headers = {}, method = 'GET') =>
      ask(server.port, `/${encodeURIComponent(key)}`, { headers, method }),
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
