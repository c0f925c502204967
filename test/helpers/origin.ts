import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

const KiB = 1024;

/** One request as the origin received it. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly body: Buffer;
}

export interface Origin {
  readonly server: http.Server;
  readonly port: number;
  /** `http://host:port` */
  readonly base: string;
  /** Every request received, in order. */
  readonly requests: SeenRequest[];
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** `n` bytes of a repeating, position-dependent pattern, so that a shifted or cut body shows. */
export function patternBytes(n: number, offset = 0): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (offset + i) % 251;
  return b;
}

function streamBytes(res: http.ServerResponse, total: number): void {
  let sent = 0;
  const pump = (): void => {
    while (sent < total) {
      const n = Math.min(16 * KiB, total - sent);
      const ok = res.write(patternBytes(n, sent));
      sent += n;
      if (!ok) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

/**
 * A local origin on 127.0.0.1 (or `host`), port 0. Routes:
 * - `/bytes/N` → N pattern bytes with Content-Length (`?chunked` → without, so it is chunked);
 * - `/echo` → the request body back, byte for byte (`application/octet-stream`);
 * - `/headers` → JSON `{ method, url, headers, rawHeaders, remotePort, remoteAddress }`;
 * - `/hop` → a response carrying hop-by-hop headers (`Connection: X-Hop, close`, `X-Hop`, `Keep-Alive`,
 *   `Proxy-Authenticate`) beside `X-End: kept`;
 * - `/hang` → accepts the request and never answers;
 * - `/die/N` → announces 2N bytes, sends N, then drops the connection;
 * - anything else → `hello`.
 */
export async function startOrigin(host = '127.0.0.1'): Promise<Origin> {
  const requests: SeenRequest[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        remoteAddress: req.socket.remoteAddress ?? '',
        remotePort: req.socket.remotePort ?? 0,
        body,
      });
      const url = new URL(req.url ?? '/', 'http://origin');
      const dying = /^\/die\/(\d+)$/u.exec(url.pathname);
      if (dying !== null) {
        const half = Number(dying[1]);
        res.writeHead(200, { 'Content-Length': 2 * half });
        res.write(patternBytes(half), () => res.destroy());
        return;
      }
      const bytes = /^\/bytes\/(\d+)$/u.exec(url.pathname);
      if (bytes !== null) {
        const total = Number(bytes[1]);
        const headers: http.OutgoingHttpHeaders = { 'Content-Type': 'application/octet-stream' };
        if (!url.searchParams.has('chunked')) headers['Content-Length'] = total;
        res.writeHead(200, headers);
        streamBytes(res, total);
        return;
      }
      switch (url.pathname) {
        case '/echo':
          res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
          res.end(body);
          return;
        case '/headers': {
          const json = JSON.stringify({
            method: req.method,
            url: req.url,
            headers: req.headers,
            rawHeaders: req.rawHeaders,
            remotePort: req.socket.remotePort,
            remoteAddress: req.socket.remoteAddress,
          });
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(json);
          return;
        }
        case '/hop':
          res.writeHead(200, [
            'Connection',
            'X-Hop',
            'X-Hop',
            'secret',
            'Keep-Alive',
            'timeout=5',
            'Proxy-Authenticate',
            'Basic realm="origin"',
            'X-End',
            'kept',
            'Via',
            '1.0 upstream-cache',
          ]);
          res.end('hop');
          return;
        case '/hang':
          return;
        default:
          res.end('hello');
      }
    });
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    base: `http://${host}:${port}`,
    requests,
    connections: () => connections,
    close: () => closeServer(server),
  };
}

export interface RawListener {
  readonly server: net.Server;
  readonly port: number;
  /** Bytes received on each connection, in order of arrival. */
  readonly received: Buffer[][];
  /** The remote address of each connection. */
  readonly peers: string[];
  connections(): number;
  /** Everything received on every connection, in order of arrival. */
  allBytes(): Buffer;
  close(): Promise<void>;
}

/**
 * A TCP listener on 127.0.0.1 port 0 that records the raw bytes each connection sends. In `echo` mode
 * it sends them back; in `http` mode it answers each read with a small HTTP response (so a proxy
 * completes) whose body is the bytes received; `silent` answers nothing; `send:N` writes N pattern bytes
 * as soon as a connection opens and then ends it.
 */
export async function startRawListener(
  mode: 'echo' | 'http' | 'silent' | `send:${number}`,
): Promise<RawListener> {
  const received: Buffer[][] = [];
  const arrivals: Buffer[] = [];
  const peers: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    peers.push(socket.remoteAddress ?? '');
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const mine: Buffer[] = [];
    received.push(mine);
    if (mode.startsWith('send:')) {
      const total = Number(mode.slice(5));
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          const n = Math.min(16 * KiB, total - sent);
          const ok = socket.write(patternBytes(n, sent));
          sent += n;
          if (!ok) {
            socket.once('drain', pump);
            return;
          }
        }
        socket.end();
      };
      pump();
    }
    socket.on('data', (d: Buffer) => {
      mine.push(d);
      arrivals.push(d);
      if (mode === 'echo') socket.write(d);
      if (mode === 'http') {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${d.length}\r\n\r\n`);
        socket.write(d);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    received,
    peers,
    connections: () => received.length,
    allBytes: () => Buffer.concat(arrivals),
    close: () => {
      for (const s of sockets) s.destroy();
      return closeServer(server);
    },
  };
}

export function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    if ('closeAllConnections' in server && typeof server.closeAllConnections === 'function') {
      (server as http.Server).closeAllConnections();
    }
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
  });
}
