import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ProxyAnswer } from './deny-page.js';
import { closeAfterAnswer } from '../server/close-after-answer.js';
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

/**
 * Answers a CONNECT (or a request whose parser failed) straight on the socket, then closes it so
 * that the client can read the answer (see closeAfterAnswer).
 */
export function writeRawAnswer(socket: Socket, answer: ProxyAnswer): void {
  if (socket.destroyed) return;
  const body = Buffer.from(answer.body);
  let head = `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}\r\n`;
  for (const [name, value] of Object.entries(answer.headers)) head += `${name}: ${value}\r\n`;
  head +=
    `Content-Type: ${answer.contentType}\r\nContent-Length: ${body.length}\r\n` +
    `Via: ${VIA}\r\nConnection: close\r\n\r\n`;
  closeAfterAnswer(socket, Buffer.concat([Buffer.from(head, 'latin1'), body]));
}
