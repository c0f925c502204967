import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ProxyAnswer } from './deny-page.js';
import { VIA } from './hop-by-hop.js';

/** Writes one of the proxy's own answers on a normal request; `close` ends the connection after it. */
export function sendAnswer(res: ServerResponse, answer: ProxyAnswer, close: boolean): void {
  if (res.headersSent || res.writableEnded) {
    res.destroy();
    return;
  }
  const body = Buffer.from(answer.body);
  const headers: Record<string, string | number> = {
    ...answer.headers,
    'Content-Type': answer.contentType,
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    Via: VIA,
  };
  if (close) headers.Connection = 'close';
  res.writeHead(answer.status, headers);
  res.end(body);
}

/** How long a connection being closed gets to read its answer before its socket is destroyed. */
const LINGER_MS = 2_000;
/** What a connection being closed may still send, read and discarded, before it is cut. */
const LINGER_BYTES = 64 * 1024;

/**
 * Answers a CONNECT (or a request whose parser failed) straight on the socket, then closes it. A
 * little more of what the client sends is read and discarded, so that the close is a FIN rather
 * than a reset that could destroy the answer unread; but only a little, for a short while: a client
 * that keeps sending is cut, never read forever.
 */
export function writeRawAnswer(socket: Socket, answer: ProxyAnswer): void {
  if (socket.destroyed) return;
  const body = Buffer.from(answer.body);
  let head = `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}\r\n`;
  for (const [name, value] of Object.entries(answer.headers)) head += `${name}: ${value}\r\n`;
  head +=
    `Content-Type: ${answer.contentType}\r\nContent-Length: ${body.length}\r\n` +
    `Via: ${VIA}\r\nConnection: close\r\n\r\n`;
  closeAfter(socket, Buffer.concat([Buffer.from(head, 'latin1'), body]));
}

function closeAfter(socket: Socket, bytes: Buffer): void {
  const destroy = () => socket.destroy();
  socket.once('error', destroy);
  // Not an idle timeout: data arriving must not extend it.
  const timer = setTimeout(destroy, LINGER_MS);
  socket.once('close', () => clearTimeout(timer));
  socket.setTimeout(0);
  // Whoever read this socket before (the HTTP parser of a request that failed) reads no more.
  socket.removeAllListeners('data');
  let discarded = 0;
  socket.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER_BYTES) destroy();
  });
  socket.once('end', () => socket.destroySoon());
  socket.end(bytes);
  socket.resume();
}
