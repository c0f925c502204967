import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { SECRET } from './files-client.js';

/** Where the attackers and the good client connect from: distinct loopback addresses. */
export const ATTACKER = '127.0.0.2';
export const GOOD_CLIENT = '127.0.0.3';
export const SECOND_ATTACKER = '127.0.0.4';

/**
 * server.toml with the API's and the file listener's limits set (`limits` goes into both
 * `[api.server]` and `[files.server]`), everything on 127.0.0.1 port 0.
 */
export function limitedServerToml(limits: string): string {
  return `[proxy]
[proxy.server]
addr = "127.0.0.1:0"
[api]
httpsCert = "cert.pem"
httpsKey = "key.pem"
persistInterval = "1h"
[api.server]
addr = "127.0.0.1:0"
${limits}
[store]
path = "data/pmproxy.db"
[files]
secret = ${JSON.stringify(SECRET)}
storeDir = "files"
maxSize = "4 MB"
minFreeDisk = "0"
[files.server]
addr = "127.0.0.1:0"
${limits.replace(/^handshakeTimeout.*$/mu, '')}
`;
}

export interface Connection {
  readonly socket: Socket;
  /** Everything the server sent. */
  readonly received: () => string;
  /** Resolves when the server closed (or reset) the connection, with the ms since it was opened. */
  readonly closed: Promise<number>;
}

function track(socket: Socket, opened: number): Connection {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - opened)));
  return { socket, received: () => Buffer.concat(chunks).toString('latin1'), closed };
}

/** A TCP connection from `from` to `url`'s port; resolves once connected. */
export function openTcp(url: string, from: string): Promise<Connection> {
  const { hostname, port } = new URL(url);
  const opened = Date.now();
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: hostname, port: Number(port), localAddress: from });
    const connection = track(socket, opened);
    socket.once('connect', () => resolve(connection));
    socket.once('error', reject);
  });
}

/** A TLS connection from `from`, offering only `alpn`; resolves once the handshake is done. */
export function openTls(url: string, from: string, alpn: 'http/1.1' | 'h2'): Promise<Connection> {
  const { hostname, port } = new URL(url);
  const opened = Date.now();
  return new Promise((resolve, reject) => {
    const socket = tlsFrom(hostname, Number(port), from, alpn);
    const connection = track(socket, opened);
    socket.once('secureConnect', () => resolve(connection));
    socket.once('error', reject);
  });
}

/** A TLS connection (not yet established) from the loopback address `from`. */
export function tlsFrom(host: string, port: number, from: string, alpn: string): TLSSocket {
  return tlsConnect({
    socket: tcpConnect({ host, port, localAddress: from }),
    rejectUnauthorized: false,
    ALPNProtocols: [alpn],
  });
}

/** Writes `parts` one by one, `everyMs` apart, until they run out or the connection closes. */
export function trickle(socket: Socket, parts: readonly (string | Buffer)[], everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= parts.length) {
      clearInterval(timer);
      return;
    }
    socket.write(parts[i] ?? '');
    i += 1;
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
}

/** Waits until `check` holds, polling; fails after `ms` (a bound on waiting, not on speed). */
export async function eventually(check: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`still not: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** HTTP/2 frames, written by hand so that a request's headers can be sent a byte at a time. */
export const h2 = {
  preface: Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'),
  frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
    const head = Buffer.alloc(9);
    head.writeUIntBE(payload.length, 0, 3);
    head.writeUInt8(type, 3);
    head.writeUInt8(flags, 4);
    head.writeUInt32BE(stream, 5);
    return Buffer.concat([head, payload]);
  },
  settings(): Buffer {
    return h2.frame(4, 0, 0, Buffer.alloc(0));
  },
  ping(): Buffer {
    return h2.frame(6, 0, 0, Buffer.alloc(8));
  },
  /** GET / as an HPACK block: :method GET, :scheme https, :path /, then `x-pad: a`, unindexed. */
  getBlock(): Buffer {
    return Buffer.concat([
      Buffer.from([0x82, 0x87, 0x84]),
      Buffer.from([0x00, 5]),
      Buffer.from('x-pad'),
      Buffer.from([1]),
      Buffer.from('a'),
    ]);
  },
  /** HEADERS without END_HEADERS carrying the block's first byte. */
  headersStart(stream: number, block: Buffer): Buffer {
    return h2.frame(1, 0x1, stream, block.subarray(0, 1));
  },
  /**
   * The rest of the block in `count` CONTINUATION frames, the last ending the headers. nghttp2
   * refuses a block in more than 8 frames (CVE-2024-28182), so a slowloris sends few, far apart.
   */
  continuations(stream: number, block: Buffer, count: number): Buffer[] {
    const rest = block.subarray(1);
    const size = Math.ceil(rest.length / count);
    const frames: Buffer[] = [];
    for (let at = 0; at < rest.length; at += size) {
      const last = at + size >= rest.length;
      frames.push(h2.frame(9, last ? 0x4 : 0, stream, rest.subarray(at, at + size)));
    }
    return frames;
  },
};
