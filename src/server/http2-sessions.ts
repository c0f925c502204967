import type { Http2SecureServer, ServerHttp2Session } from 'node:http2';

export interface SessionTimeouts {
  /** A session has this long from its start to send a complete request. */
  readonly readTimeout: number;
  /** A session with no request under way is closed after this. */
  readonly idleTimeout: number;
}

/** How long a session told to close may take to send its GOAWAY before it is destroyed. */
const CLOSE_GRACE_MS = 1_000;

/**
 * HTTP/2's half of the header and keep-alive timeouts, which node does not have: node's session
 * timeout counts any frame as activity, so a client trickling a HEADERS frame's CONTINUATIONs, or
 * sending a PING now and then, would hold its session (and a descriptor) for ever. Here a session
 * must complete a request within readTimeout of its start, and is closed idleTimeout after its
 * last stream ended; frames that make no request reset neither timer.
 */
export function timeHttp2Sessions(
  server: Http2SecureServer,
  timeouts: SessionTimeouts,
  onTimeout: (remoteAddress: string) => void,
): void {
  server.on('session', (session: ServerHttp2Session) => {
    // Read now: a destroyed session has no socket any more.
    const remoteAddress = session.socket.remoteAddress ?? '';
    let streams = 0;
    let over = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number): void => {
      clearTimeout(timer);
      timer = undefined;
      // A stream's 'close' can come after its session's: nothing is left to time then.
      if (ms <= 0 || over || session.destroyed) return;
      timer = setTimeout(() => {
        if (session.destroyed) return;
        onTimeout(remoteAddress);
        session.close();
        setTimeout(() => session.destroy(), CLOSE_GRACE_MS).unref();
      }, ms).unref();
    };
    arm(timeouts.readTimeout);
    session.on('stream', (stream) => {
      streams += 1;
      arm(0);
      stream.once('close', () => {
        streams -= 1;
        if (streams === 0 && !session.closed) arm(timeouts.idleTimeout);
      });
    });
    session.once('close', () => {
      over = true;
      clearTimeout(timer);
    });
  });
}
