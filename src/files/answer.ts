import type Koa from 'koa';
import type { Decision } from '../rules/decision.js';
import { refusals } from '../rules/trace.js';

/** A short plain-text answer: what an XMPP client or curl shows its user. */
export function answer(ctx: Koa.Context, status: number, message: string): void {
  ctx.status = status;
  ctx.type = 'text/plain; charset=utf-8';
  ctx.body = `${message}\n`;
}

/** 403 for a request `rule` refused, naming each manager that said no and why. */
export function answerRefused(ctx: Koa.Context, rule: string, decision: Decision): void {
  answerRefusedBy(ctx, rule, refusals(decision.trace));
}

/**
 * The same 403 for refusals found after the rule allowed (a quota whose room a racing request took
 * by the time this one reserved), so a client cannot tell the two apart, nor needs to.
 */
export function answerRefusedBy(
  ctx: Koa.Context,
  rule: string,
  refused: readonly { readonly name: string; readonly reason?: string | undefined }[],
): void {
  const why = refused.map((t) => `${t.name}: ${t.reason ?? 'no'}`);
  answer(ctx, 403, `the ${rule} rule does not allow this${why.length > 0 ? ` (${why.join('; ')})` : ''}`);
}
