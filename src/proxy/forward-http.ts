import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Decision } from '../rules/decision.js';
import { AccessEntry } from './access-log.js';
import { denialAnswer, errorAnswer, refusalWords, wantsHtml, type AnswerFormat } from './deny-page.js';
import { handOffRefusal, handOffRequest } from './own-handoff.js';
import { ownListenerFor } from './own-listeners.js';
import { framingProblem, hasBody, normalizeClientIp, parseAbsoluteTarget } from './request-target.js';
import { relayUpstream } from './relay-upstream.js';
import { noop, noteRefusal, PROXY_RULE, requestContext, type ProxyRuntime } from './runtime.js';
import { sendAnswer } from './write-answer.js';
import { servePac } from './pac-answer.js';

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as Partial<PromiseLike<T>>).then === 'function';
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * One absolute-URI request: parse the target, ask the policy (for this request alone, whatever the
 * connection carried before), answer a denial or relay it to the origin.
 */
export async function handleForward(
  rt: ProxyRuntime,
  req: IncomingMessage,
  res: ServerResponse,
  expectContinue: boolean,
): Promise<void> {
  req.on('error', noop);
  res.on('error', noop);
  const entry = new AccessEntry(rt.access, req.method ?? '');
  entry.client = normalizeClientIp(req.socket.remoteAddress);
  entry.requested(req);
  entry.url = req.url ?? '';
  res.once('close', () => {
    if (!res.writableFinished) entry.end ??= 'client-closed';
    entry.write();
    rt.responseDone();
  });
  if (rt.shuttingDown()) res.shouldKeepAlive = false;
  const html = wantsHtml(req.headers.accept);
  const format: AnswerFormat =
    rt.apiUrl === undefined
      ? { html, target: req.url ?? '' }
      : { html, target: req.url ?? '', apiUrl: rt.apiUrl };
  const answer = (status: number, reason: string) => {
    entry.status = status;
    sendAnswer(res, errorAnswer(status, STATUS_CODES[status] ?? 'Error', reason, format), hasBody(req));
  };

  const framing = framingProblem(req);
  if (framing !== undefined) {
    answer(framing.status, framing.reason);
    return;
  }
  if (servePac(rt, req, res)) {
    entry.status = res.statusCode;
    return;
  }
  const parsed = parseAbsoluteTarget(req.url ?? '');
  if (!parsed.ok) {
    answer(400, parsed.reason);
    return;
  }
  const target = parsed.value;
  entry.host = target.host;
  entry.port = target.port;
  // The gateway's own listeners judge their clients themselves, by their own rules.
  const found = ownListenerFor(rt.ownListeners(), target);
  const own = found instanceof Promise ? await found : found;
  if (own !== undefined) {
    const refused = handOffRefusal(own, false);
    if (refused !== undefined) answer(refused.status, refused.reason);
    else {
      if (expectContinue) res.writeContinue();
      handOffRequest(own, req, res, target.path, entry);
    }
    return;
  }
  const ctx = requestContext(
    rt,
    entry.client,
    { host: target.host, port: target.port, url: target.url, method: req.method ?? 'GET' },
    firstHeader(req.headers['proxy-authorization']),
  );
  let decision: Decision;
  try {
    const decided = rt.policy().decide(PROXY_RULE, ctx);
    // Most decisions are known at once: going on in this tick spares a turn of the microtask queue.
    decision = isPromiseLike(decided) ? await decided : decided;
  } catch (err) {
    rt.log.error('the proxy rule could not be evaluated', { err: String(err), host: target.host });
    entry.end = 'policy-error';
    answer(500, 'the access rule could not be evaluated');
    return;
  }
  entry.judged(decision);
  if (res.destroyed || req.socket.destroyed) {
    entry.end = 'client-closed';
    return;
  }
  if (!decision.allow) {
    const denial = denialAnswer(decision, format);
    entry.status = denial.status;
    noteRefusal(rt, entry.client, decision.user, target.host, refusalWords(decision));
    sendAnswer(res, denial, hasBody(req));
    return;
  }
  if (expectContinue) res.writeContinue();
  relayUpstream(rt, { req, res, target, decision, entry, format });
}
