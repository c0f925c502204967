import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { normalizeIp } from '../util/ip.js';
import type { RateLimitedWarning } from '../util/rate-limited-warning.js';
import { closeAfterAnswer } from './close-after-answer.js';
import { PARSE_ERROR_TEXT, parseErrorStatus } from './parse-error-answer.js';

/**
 * The 'clientError' handler of our HTTP/1.1 listeners: a short answer where one can still be
 * written (`answering` says whether a response is already going out on the socket), then the
 * socket is closed so that the client can read it (closeAfterAnswer): a client that keeps sending
 * after a 400 or 431 is read a little, then not at all, then cut.
 */
export function answerClientError(warnings: RateLimitedWarning, answering: (socket: Socket) => boolean) {
  const answered = new WeakSet<Duplex>();
  return (err: NodeJS.ErrnoException, stream: Duplex): void => {
    // The parser reports every later chunk of a failed connection again: answer once.
    if (answered.has(stream)) return;
    answered.add(stream);
    const socket = stream as Socket;
    socket.on('error', () => undefined);
    const code = err.code ?? '';
    // Only the parser's errors and its header timeout leave an HTTP/1.1 socket to answer on: a TLS
    // error (a handshake timeout …) has no plaintext channel, and with an answer under way on the
    // socket, raw bytes would land inside it. Those are cut.
    const answerable = code.startsWith('HPE_') || code === 'ERR_HTTP_REQUEST_TIMEOUT';
    if (!answerable || !socket.writable || answering(socket)) {
      if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL')) {
        warnings.note('tls', { client: normalizeIp(socket.remoteAddress ?? ''), error: code });
      }
      socket.destroy();
      return;
    }
    const status = parseErrorStatus(code);
    warnings.note(status === 408 ? 'timeout' : 'malformed', {
      client: normalizeIp(socket.remoteAddress ?? ''),
      status,
      error: code,
    });
    const body = `${PARSE_ERROR_TEXT[status] ?? PARSE_ERROR_TEXT[400]}\n`;
    closeAfterAnswer(
      socket,
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
}
