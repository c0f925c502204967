import type Koa from 'koa';

/** A short plain-text answer: what an XMPP client or curl shows its user. */
export function answer(ctx: Koa.Context, status: number, message: string): void {
  ctx.status = status;
  ctx.type = 'text/plain; charset=utf-8';
  ctx.body = `${message}\n`;
}
