import type { Context } from 'koa';
import { badRequest } from './errors.js';

/** A query parameter given at most once (twice is a 400); undefined when absent. */
export function queryText(ctx: Context, name: string): string | undefined {
  const value = ctx.query[name];
  if (Array.isArray(value)) throw badRequest(`give ${name} once`);
  return value;
}
