import { STATUS_CODES } from 'node:http';
import type { Dispatcher } from 'undici';
import { errorAnswer, quotaCutAnswer } from './deny-page.js';
import { relayHeaders, responseHeadLength, type RawHeaders } from './hop-by-hop.js';
import { chargeAll, flowMeters, MeteredFlow, paceAll } from './metered-flow.js';
import type { Exchange } from './relay-upstream.js';
import type { ProxyRuntime } from './runtime.js';
import { sendAnswer } from './write-answer.js';

/** An answer on its way down: the flow moving its body and the bytes its head was charged. */
export interface ResponseRelay {
  readonly flow: MeteredFlow;
  readonly headBytes: number;
}

function headerValue(raw: RawHeaders, lowerName: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === lowerName) return raw[i + 1];
  return undefined;
}

function hasHeader(raw: RawHeaders, lowerName: string): boolean {
  return headerValue(raw, lowerName) !== undefined;
}

/**
 * Starts relaying the origin's answer: its head is charged to the decision's quotas (a quota too
 * small for it gets the quota page instead) and written without hop-by-hop headers, then the body
 * goes through a MeteredFlow that holds the origin (undici's controller) while pacing or while the
 * client is slow. Undefined when the proxy answered by itself; the origin is then abandoned.
 */
export function relayResponse(
  rt: ProxyRuntime,
  x: Exchange,
  origin: Dispatcher.DispatchController,
  status: number,
  statusMessage: string | undefined,
  rawHeaders: RawHeaders,
): ResponseRelay | undefined {
  const { res, decision, entry } = x;
  const message =
    statusMessage === undefined || statusMessage === '' ? (STATUS_CODES[status] ?? '') : statusMessage;
  // A chunked answer is re-framed by Node; a Content-Length beside it would frame it twice.
  const drop = hasHeader(rawHeaders, 'transfer-encoding') ? ['content-length'] : [];
  const headers = relayHeaders(rawHeaders, { drop });
  const head = responseHeadLength(status, message, headers);
  const meters = flowMeters(decision);
  if (chargeAll(meters, head) < head) {
    origin.abort(new Error('the quota ran out before the answer'));
    entry.end = 'quota';
    entry.status = 403;
    const described = meters.map((m) => `${m.manager}: ${m.describe()}`);
    sendAnswer(res, quotaCutAnswer(described, x.format), true);
    return undefined;
  }
  if (rt.shuttingDown()) res.shouldKeepAlive = false;
  try {
    res.writeHead(status, message, headers);
  } catch (err) {
    origin.abort(new Error('the answer cannot be relayed'));
    entry.error = String(err);
    entry.status = 502;
    const answer = errorAnswer(
      502,
      'Bad Gateway',
      'the origin sent a header that cannot be relayed',
      x.format,
    );
    sendAnswer(res, answer, false);
    return undefined;
  }
  entry.status = status;
  entry.contentType = headerValue(rawHeaders, 'content-type')?.split(';')[0]?.trim();
  const flow = new MeteredFlow({
    source: origin,
    sink: res,
    meters,
    pacers: decision.pacers,
    sleep: rt.sleep,
    writeTimeout: rt.settings.writeTimeout,
    onQuotaCut: (last) => {
      entry.end = 'quota';
      origin.abort(new Error('quota reached'));
      if (last.length > 0) res.write(last);
      // Ending the socket (not destroying it) lets the bytes that fit reach the client first.
      const socket = res.socket;
      if (socket === null) res.destroy();
      else socket.destroySoon();
    },
    onWriteStall: () => {
      entry.end = 'write-stall';
      origin.abort(new Error('the client stopped reading'));
      res.destroy();
    },
  });
  const unlist = rt.flows.add(
    entry,
    () => flow.delivered,
    () => {
      origin.abort(new Error('cut by an admin'));
      res.destroy();
    },
  );
  res.once('close', unlist);
  flow.start(paceAll(decision.pacers, head));
  return { flow, headBytes: head };
}
