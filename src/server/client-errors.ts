import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { normalizeIp } from '../util/ip.js';
import type { RateLimitedWarning } from '../util/rate-limited-warning.js';
import { PARSE_ERROR_TEXT, parseErrorStatus } from './parse-error-answer.js';

/** How long a short answer may take to go out before the socket is destroyed anyway. */
const ANSWER_GRACE_MS = 1_000;

/**
 * The 'clientError' handler of our HTTP/1.1 listeners: a short answer where one can still be
 * written (`answering` says whether a response is already going out on the socket), then the socket is closed as soon as the answer is out. Nothing more is read from it, so
 * a client that keeps sending after a 400 or 431 costs nothing.
 */
export function answerClientError(warnings: RateLimitedWarning, answering: (socket: Socket) => boolean) {
  return (err: NodeJS.ErrnoException, stream: Duplex): void => {
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
    socket.pause();
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    socket.destroySoon();
    // A client that reads nothing could keep even a short answer from going out.
    setTimeout(() => socket.destroy(), ANSWER_GRACE_MS).unref();
  };
}
