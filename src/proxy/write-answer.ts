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

/** How long a refused CONNECT client gets to read the answer before its socket is destroyed. */
const LINGER_MS = 5_000;

/**
 * Answers a CONNECT (or a request whose parser failed) straight on the socket, then closes it. The
 * socket keeps being read and discarded so the close is a FIN, not a reset that could lose the
 * answer.
 */
export function writeRawAnswer(socket: Socket, answer: ProxyAnswer): void {
  if (socket.destroyed) return;
  const body = Buffer.from(answer.body);
  let head = `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}\r\n`;
  for (const [name, value] of Object.entries(answer.headers)) head += `${name}: ${value}\r\n`;
  head +=
    `Content-Type: ${answer.contentType}\r\nContent-Length: ${body.length}\r\n` +
    `Via: ${VIA}\r\nConnection: close\r\n\r\n`;
  socket.on('error', () => socket.destroy());
  socket.setTimeout(LINGER_MS, () => socket.destroy());
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  socket.resume();
  socket.once('finish', () => {
    // Half-open server sockets wait for the client's FIN; a reader that never sends one is dropped
    // by the timeout above.
    if (socket.readableEnded) socket.destroy();
  });
  socket.once('end', () => socket.destroySoon());
}
