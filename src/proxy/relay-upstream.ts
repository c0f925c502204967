import http, { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Decision } from '../rules/decision.js';
import type { AccessEntry } from './access-log.js';
import { errorAnswer, quotaCutAnswer, type AnswerFormat } from './deny-page.js';
import { isHttpParent, parentAuthorization, parentEndpoint } from './dial.js';
import { relayHeaders, responseHeadLength } from './hop-by-hop.js';
import { chargeAll, flowMeters, MeteredFlow, paceAll } from './metered-flow.js';
import type { ForwardTarget } from './request-target.js';
import { noop, type ProxyRuntime } from './runtime.js';
import { identityOf } from './upstream-agents.js';
import { classifyUpstreamError, ProxyError, UPSTREAM_IDLE } from './upstream-errors.js';
import { sendAnswer } from './write-answer.js';

export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly target: ForwardTarget;
  readonly decision: Decision;
  readonly entry: AccessEntry;
  readonly format: AnswerFormat;
}

/** Errors worth one retry on a fresh connection: a pooled one the origin had already closed. */
const STALE_SOCKET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

function requestHeaders(x: Exchange): string[] {
  const route = x.decision.route;
  const add: string[] = [];
  // Framing is ours to choose: a chunked request body is re-chunked, never sent unframed.
  if (x.req.headers['transfer-encoding'] !== undefined) add.push('Transfer-Encoding', 'chunked');
  if (isHttpParent(route)) {
    const auth = parentAuthorization(route.parentProxy);
    if (auth !== undefined) add.push('Proxy-Authorization', auth);
  }
  const drop = ['host', 'expect'];
  if (x.req.headers['transfer-encoding'] !== undefined) drop.push('content-length');
  // The absolute URI names the host; any Host header the client sent is ignored (RFC 9112 §3.2.2).
  return ['Host', x.target.hostHeader, ...relayHeaders(x.req.rawHeaders, { drop, add })];
}

function bodyless(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0');
}

/**
 * Sends an allowed request to the origin on the pool of its identity and route, streams the body
 * up, and streams the answer down through the meters and pacers of this request's decision.
 */
export function relayUpstream(rt: ProxyRuntime, x: Exchange): void {
  const { req, res, target, decision, entry } = x;
  const route = decision.route;
  const agent = rt.agents.agentFor(identityOf(decision.user, entry.client), route);
  const parent = isHttpParent(route) ? parentEndpoint(route.parentProxy) : undefined;
  const headers = requestHeaders(x);
  const noBody = bodyless(req);
  let current: http.ClientRequest | undefined;
  let flow: MeteredFlow | undefined;
  let headBytes = 0;
  let responded = false;

  entry.countDown = () => headBytes + (flow?.delivered ?? 0);
  res.once('close', () => {
    flow?.stop();
    if (!res.writableFinished) current?.destroy();
  });
  req.on('data', (chunk: Buffer) => (entry.up += chunk.length));

  const send = (attempt: number): void => {
    const upstream = http.request({
      agent,
      host: parent?.host ?? target.host,
      port: parent?.port ?? target.port,
      method: req.method ?? 'GET',
      path: parent === undefined ? target.path : `http://${target.hostHeader}${target.path}`,
      headers,
      setHost: false,
    });
    current = upstream;
    const idle = rt.settings.idleTimeout;
    upstream.setTimeout(idle > 0 ? idle : 0, () => {
      if (flow?.held === true) {
        // The answer is paused on purpose (pacing, a slow client), not stalled: wait another period.
        upstream.setTimeout(idle);
        return;
      }
      upstream.destroy(
        new ProxyError(UPSTREAM_IDLE, `nothing from ${target.host}:${target.port} for ${idle} ms`),
      );
    });
    upstream.on('error', (err) => {
      if (responded) {
        // Once the answer began, a failure cuts it; an answer the proxy already wrote itself (quota,
        // bad header) or a cut under way stays as it is.
        if (flow !== undefined && !flow.stopped) {
          flow.stop();
          entry.end ??= 'upstream-error';
          res.destroy();
        }
        return;
      }
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (attempt === 0 && upstream.reusedSocket && noBody && STALE_SOCKET.has(code) && !res.destroyed) {
        send(1);
        return;
      }
      const failure = classifyUpstreamError(err);
      entry.error = failure.code;
      entry.end = 'upstream-error';
      if (res.destroyed) return;
      entry.status = failure.status;
      const reason = `${target.host}:${target.port}: ${failure.reason}`;
      const close = !noBody && !req.readableEnded;
      sendAnswer(
        res,
        errorAnswer(failure.status, STATUS_CODES[failure.status] ?? 'Error', reason, x.format),
        close,
      );
    });
    upstream.on('response', (upRes) => {
      responded = true;
      flow = relayResponse(rt, x, upstream, upRes, (n) => (headBytes = n));
    });
    if (noBody) {
      upstream.end();
      if (attempt === 0) req.resume();
    } else {
      req.pipe(upstream);
    }
  };
  send(0);
}

function relayResponse(
  rt: ProxyRuntime,
  x: Exchange,
  upstream: http.ClientRequest,
  upRes: IncomingMessage,
  chargedHead: (bytes: number) => void,
): MeteredFlow | undefined {
  const { res, decision, entry } = x;
  upRes.on('error', noop);
  const status = upRes.statusCode ?? 502;
  const message = upRes.statusMessage ?? STATUS_CODES[status] ?? '';
  // A chunked answer is re-framed by Node; a Content-Length beside it would frame it twice.
  const drop = upRes.headers['transfer-encoding'] !== undefined ? ['content-length'] : [];
  const headers = relayHeaders(upRes.rawHeaders, { drop });
  const head = responseHeadLength(status, message, headers);
  const meters = flowMeters(decision);
  if (chargeAll(meters, head) < head) {
    upstream.destroy();
    entry.end = 'quota';
    entry.status = 403;
    sendAnswer(
      res,
      quotaCutAnswer(
        meters.map((m) => `${m.manager}: ${m.describe()}`),
        x.format,
      ),
      true,
    );
    return undefined;
  }
  chargedHead(head);
  if (rt.shuttingDown()) res.shouldKeepAlive = false;
  try {
    res.writeHead(status, message, headers);
  } catch (err) {
    upstream.destroy();
    entry.error = String(err);
    entry.status = 502;
    sendAnswer(
      res,
      errorAnswer(502, 'Bad Gateway', 'the origin sent a header that cannot be relayed', x.format),
      false,
    );
    return undefined;
  }
  entry.status = status;
  const flow = new MeteredFlow({
    source: upRes,
    sink: res,
    meters,
    pacers: decision.pacers,
    sleep: rt.sleep,
    writeTimeout: rt.settings.writeTimeout,
    onQuotaCut: (last) => {
      entry.end = 'quota';
      upstream.destroy();
      if (last.length > 0) res.write(last);
      // Ending the socket (not destroying it) lets the bytes that fit reach the client first.
      const socket = res.socket;
      if (socket === null) res.destroy();
      else socket.destroySoon();
    },
    onWriteStall: () => {
      entry.end = 'write-stall';
      upstream.destroy();
      res.destroy();
    },
  });
  upRes.once('end', () => {
    if (flow.stopped) return;
    flow.stop();
    res.end();
  });
  upRes.once('close', () => {
    if (upRes.complete || flow.stopped) return;
    flow.stop();
    entry.end ??= 'upstream-error';
    res.destroy();
  });
  flow.start(paceAll(decision.pacers, head));
  return flow;
}
