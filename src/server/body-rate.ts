import { constants, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface BodyRate {
  /** Bytes per second the body must average; 0 = no minimum. */
  readonly minBodyRate: number;
  /** Over how long the average is taken (ms). */
  readonly bodyRateWindow: number;
}

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;

const {
  NGHTTP2_STREAM_STATE_HALF_CLOSED_REMOTE,
  NGHTTP2_STREAM_STATE_CLOSED,
  NGHTTP2_CANCEL,
  NGHTTP2_NO_ERROR,
} = constants;

/**
 * Cuts a request whose body comes slower than `minBodyRate` bytes/s on average over any
 * `bodyRateWindow` (`slowhttptest -B`: a few bytes every ten seconds, for ever), while an upload
 * at any reasonable rate runs as long as it needs. Time during which we are the slow side (the
 * route has not read what came, so the client is held back by flow control) is not counted
 * against the client. A cut request gets 408 when nothing was answered yet, then its connection
 * (HTTP/1.1) or stream (HTTP/2) is closed.
 */
export function watchBodyRate(req: Request, res: Response, rate: BodyRate, onCut: () => void): void {
  if (rate.minBodyRate <= 0 || !hasBody(req)) return;
  const received = countBodyBytes(req);
  const tick = Math.max(50, Math.min(1000, rate.bodyRateWindow / 4));
  let samples = [{ at: Date.now(), bytes: received() }];
  const timer = setInterval(() => {
    if (bodyDone(req)) {
      stop();
      return;
    }
    const at = Date.now();
    const bytes = received();
    if (heldBack(req)) {
      samples = [{ at, bytes }];
      return;
    }
    samples.push({ at, bytes });
    // Keep the newest sample at least a window old as the reference point.
    while (samples.length > 2 && at - (samples[1]?.at ?? at) >= rate.bodyRateWindow) samples.shift();
    const reference = samples[0] ?? { at, bytes };
    const span = at - reference.at;
    if (span < rate.bodyRateWindow) return;
    if (((bytes - reference.bytes) * 1000) / span >= rate.minBodyRate) return;
    stop();
    onCut();
    cut(req, res);
  }, tick);
  timer.unref();
  const stop = (): void => clearInterval(timer);
  req.once('end', stop);
  req.once('close', stop);
  res.once('close', stop);
}

function hasBody(req: Request): boolean {
  if ('stream' in req) return !req.stream.endAfterHeaders && !req.stream.closed;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** The client has sent its whole body (whether the route has read it yet or not). */
function bodyDone(req: Request): boolean {
  if (!('stream' in req)) return req.complete;
  const state = req.stream.state.state;
  return (
    req.stream.closed ||
    state === NGHTTP2_STREAM_STATE_HALF_CLOSED_REMOTE ||
    state === NGHTTP2_STREAM_STATE_CLOSED
  );
}

/** Our side is not taking more: the buffers are full, and flow control holds the client back. */
function heldBack(req: Request): boolean {
  if (req.readableLength >= req.readableHighWaterMark) return true;
  return 'stream' in req && req.stream.readableLength >= req.stream.readableHighWaterMark;
}

/**
 * Bytes of the body that reached us so far. Counted where node hands them to the request (its
 * `push`, called by the HTTP/1.1 parser and by the HTTP/2 compatibility layer alike), so counting
 * neither reads the body nor changes its flow; on HTTP/2, bytes still waiting in the stream before
 * the route started reading are counted too.
 */
function countBodyBytes(req: Request): () => number {
  let pushed = 0;
  const push = req.push.bind(req);
  req.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (typeof chunk === 'string' || chunk instanceof Uint8Array) pushed += chunk.length;
    return push(chunk, encoding);
  };
  return () => pushed + ('stream' in req ? req.stream.readableLength : 0);
}

function cut(req: Request, res: Response): void {
  const answering = !res.headersSent && !res.writableEnded;
  if (answering) {
    const body = 'the request body came too slowly\n';
    if ('stream' in req) {
      (res as Http2ServerResponse).writeHead(408, { 'content-type': 'text/plain; charset=utf-8' });
    } else {
      (res as ServerResponse).writeHead(408, {
        'content-type': 'text/plain; charset=utf-8',
        connection: 'close',
      });
    }
    res.end(body);
  }
  // Nothing more is read: the connection (HTTP/1.1) or the stream (HTTP/2) ends as soon as the
  // answer is out, whatever the client is still sending.
  if (!('stream' in req)) {
    req.socket.destroySoon();
    return;
  }
  // RFC 9113 §8.1: after a complete response, RST_STREAM(NO_ERROR) asks the client to stop
  // sending the request; node sends it once the answer is out.
  req.stream.close(answering ? NGHTTP2_NO_ERROR : NGHTTP2_CANCEL);
}
