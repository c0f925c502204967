import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { AccessEntry } from './access-log.js';
import { errorAnswer, type AnswerFormat } from './deny-page.js';
import { authority, isHttpParent, parentAuthorization, parentEndpoint } from './dial.js';
import { relayHeaders } from './hop-by-hop.js';
import { hasBody, type ForwardTarget } from './request-target.js';
import { relayResponse, type ResponseRelay } from './relay-response.js';
import type { Decision } from '../rules/decision.js';
import type { ProxyRuntime } from './runtime.js';
import { identityOf } from './upstream-agents.js';
import { classifyUpstreamError, INTERNAL_TARGET, ProxyError, UPSTREAM_IDLE } from './upstream-errors.js';
import { sendAnswer } from './write-answer.js';

export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly target: ForwardTarget;
  readonly decision: Decision;
  readonly entry: AccessEntry;
  readonly format: AnswerFormat;
}

/** Failures of a connection that had served earlier requests: worth one more try on a fresh one. */
const STALE_CONNECTION = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'ECONNABORTED']);
/** Requests a proxy may repeat on its own (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

function requestHeaders(x: Exchange): string[] {
  const route = x.decision.route;
  const add: string[] = [];
  if (isHttpParent(route)) {
    const auth = parentAuthorization(route.parentProxy);
    if (auth !== undefined) add.push('Proxy-Authorization', auth);
  }
  // Framing is undici's to choose: a body of unknown length goes out chunked, never unframed.
  const drop = ['host', 'expect'];
  if (x.req.headers['transfer-encoding'] !== undefined) drop.push('content-length');
  // The absolute URI names the host; any Host header the client sent is ignored (RFC 9112 §3.2.2).
  return ['Host', x.target.hostHeader, ...relayHeaders(x.req.rawHeaders, { drop, add })];
}

/** The request body as it goes up, counted for the access log as undici pulls it. */
async function* countedBody(req: IncomingMessage, entry: AccessEntry): AsyncGenerator<Buffer> {
  for await (const chunk of req as AsyncIterable<Buffer>) {
    entry.up += chunk.length;
    yield chunk;
  }
}

/** Whether a failure before any answer came from a pooled connection the origin had closed. */
function staleConnection(err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (!STALE_CONNECTION.has(code)) return false;
  // undici's "other side closed" says what the connection had carried; a fresh one read nothing.
  const socket = (err as { socket?: { bytesRead?: number } }).socket;
  return code !== 'UND_ERR_SOCKET' || (socket?.bytesRead ?? 0) > 0;
}

/**
 * One attempt at an allowed request on the pool of its identity and route: undici writes it (the
 * body streamed up as it comes), and the answer streams down through the meters and pacers of this
 * request's decision (relay-response.ts).
 */
class UpstreamAttempt implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | undefined;
  /** The origin's final answer arrived; from then on a failure cuts, never answers. */
  #responded = false;
  /** Undefined after the answer began when the proxy answered by itself (quota, bad header). */
  #relay: ResponseRelay | undefined;

  constructor(
    private readonly rt: ProxyRuntime,
    private readonly x: Exchange,
    private readonly attempt: number,
    private readonly onAttempt: (attempt: UpstreamAttempt) => void,
  ) {}

  /** Gives up on the origin: the client went away. */
  abort(): void {
    this.#relay?.flow.stop();
    this.#controller?.abort(new Error('the client closed the connection'));
  }

  /** Bytes charged so far: the relayed head and the body delivered. */
  get delivered(): number {
    return this.#relay === undefined ? 0 : this.#relay.headBytes + this.#relay.flow.delivered;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.x.res.destroyed) controller.abort(new Error('the client closed the connection'));
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    status: number,
    _headers: unknown,
    statusMessage?: string,
  ): void {
    // Informational answers (103 Early Hints …) are not relayed; the final one follows.
    if (status < 200) return;
    this.#responded = true;
    const raw = controller.rawHeaders;
    const rawHeaders: string[] = [];
    if (Array.isArray(raw)) for (const item of raw) rawHeaders.push(item.toString('latin1'));
    this.#relay = relayResponse(this.rt, this.x, controller, status, statusMessage, rawHeaders);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#relay?.flow.push(chunk);
  }

  onResponseEnd(): void {
    const relay = this.#relay;
    if (relay === undefined || relay.flow.stopped) return;
    relay.flow.stop();
    this.x.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    const { res, entry, target, req } = this.x;
    const relay = this.#relay;
    if (this.#responded) {
      // Once the answer began, a failure cuts it; an answer the proxy already wrote itself (quota,
      // bad header) or a cut under way stays as it is.
      if (relay !== undefined && !relay.flow.stopped) {
        relay.flow.stop();
        entry.end ??= 'upstream-error';
        res.destroy();
      }
      return;
    }
    if (res.destroyed) {
      entry.end ??= 'client-closed';
      return;
    }
    const method = req.method ?? 'GET';
    if (this.attempt === 0 && !hasBody(req) && IDEMPOTENT.has(method) && staleConnection(err)) {
      send(this.rt, this.x, 1, this.onAttempt);
      return;
    }
    const failure = classifyUpstreamError(timeoutAsIdle(err, this.rt, target));
    if (failure.code === INTERNAL_TARGET) entry.result = 'internal-target';
    entry.error = failure.code;
    entry.end = 'upstream-error';
    entry.status = failure.status;
    const reason = `${target.host}:${target.port}: ${failure.reason}`;
    const close = hasBody(req) && !req.readableEnded;
    sendAnswer(
      res,
      errorAnswer(failure.status, STATUS_CODES[failure.status] ?? 'Error', reason, this.x.format),
      close,
    );
  }
}

/** undici's own timeouts are our idle timeout: answered as the origin not answering in time. */
function timeoutAsIdle(err: Error, rt: ProxyRuntime, target: ForwardTarget): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== 'UND_ERR_HEADERS_TIMEOUT' && code !== 'UND_ERR_BODY_TIMEOUT') return err;
  const idle = rt.settings.idleTimeout;
  return new ProxyError(UPSTREAM_IDLE, `nothing from ${authority(target)} for ${idle} ms`);
}

function send(
  rt: ProxyRuntime,
  x: Exchange,
  attempt: number,
  onAttempt: (attempt: UpstreamAttempt) => void,
): void {
  const { req, target, decision, entry } = x;
  const route = decision.route;
  const agent = rt.agents.agentFor(identityOf(decision.user, entry.client), route);
  const parent = isHttpParent(route) ? parentEndpoint(route.parentProxy) : undefined;
  const handler = new UpstreamAttempt(rt, x, attempt, onAttempt);
  onAttempt(handler);
  const noBody = !hasBody(req);
  const idle = rt.settings.idleTimeout;
  agent.dispatch(
    {
      origin: `http://${authority(parent ?? target)}`,
      path: parent === undefined ? target.path : `http://${target.hostHeader}${target.path}`,
      method: req.method ?? 'GET',
      headers: requestHeaders(x),
      body: noBody ? null : Readable.from(countedBody(req, entry), { objectMode: false }),
      headersTimeout: idle,
      bodyTimeout: idle,
    },
    handler,
  );
  if (noBody && attempt === 0) req.resume();
}

/** Sends an allowed request to the origin and relays the answer; gives up if the client leaves. */
export function relayUpstream(rt: ProxyRuntime, x: Exchange): void {
  if (isHttpParent(x.decision.route)) {
    // The parent resolves the name; an address literal or "localhost" can be judged here.
    const refused = rt.internalTargets.refusalOfName(x.target.host);
    if (refused !== undefined) {
      x.entry.result = 'internal-target';
      x.entry.error = INTERNAL_TARGET;
      x.entry.status = 403;
      sendAnswer(x.res, errorAnswer(403, 'Forbidden', refused, x.format), hasBody(x.req));
      return;
    }
  }
  let current: UpstreamAttempt | undefined;
  x.entry.countDown = () => current?.delivered ?? 0;
  x.res.once('close', () => {
    if (!x.res.writableFinished) current?.abort();
  });
  send(rt, x, 0, (attempt) => (current = attempt));
}
