import http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { PARSE_ERROR_TEXT, parseErrorStatus } from '../server/parse-error-answer.js';
import { AccessEntry } from './access-log.js';
import type { AccessSink } from './access-record.js';
import { errorAnswer } from './deny-page.js';
import { normalizeClientIp } from './request-target.js';
import { noop } from './runtime.js';
import { writeRawAnswer } from './write-answer.js';

/**
 * Requests the parser refuses (a smuggling probe, a head over maxHeaderSize …) get a short answer
 * and an access-log line, once per connection; a connection with a response under way, or already
 * gone, is only cut.
 */
export function answerClientErrors(
  server: http.Server,
  access: AccessSink,
  isBusy: (socket: Socket) => boolean,
): void {
  const answered = new WeakSet<Duplex>();
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // The parser reports every later chunk of a failed connection again: answer and listen once.
    if (answered.has(socket)) return;
    answered.add(socket);
    socket.on('error', noop);
    const code = err.code ?? '';
    const net = socket as Socket;
    if (code === 'ECONNRESET' || code === 'EPIPE' || !socket.writable || isBusy(net)) {
      socket.destroy();
      return;
    }
    const status = parseErrorStatus(code);
    const entry = new AccessEntry(access, '-');
    entry.client = normalizeClientIp(net.remoteAddress);
    entry.status = status;
    entry.error = code;
    entry.result = 'rejected';
    entry.write();
    const text = PARSE_ERROR_TEXT[status] ?? 'the request is malformed';
    writeRawAnswer(
      net,
      errorAnswer(status, http.STATUS_CODES[status] ?? 'Error', text, { html: false, target: '' }),
    );
  });
}
