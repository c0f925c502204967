import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware, Next } from 'koa';
import { ApiError, badRequest } from './errors.js';

/** Larger bodies get 413: no API call needs more (a user with a long group list is a few hundred B). */
export const BODY_LIMIT = '16kb';

/** The Go original's endpoint, whose clients send JSON without saying so. */
export const COMPAT_PATH = '/api/cmd';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** Parses JSON bodies of at most BODY_LIMIT; a body of another type is 415 (except on COMPAT_PATH). */
export function jsonBodies(): Middleware[] {
  const requireJson = async (ctx: Context, next: Next): Promise<void> => {
    const hasBody = ctx.request.length > 0 || ctx.get('transfer-encoding') !== '';
    if (WITH_BODY.has(ctx.method) && hasBody && ctx.path !== COMPAT_PATH && ctx.is('json') === false) {
      throw new ApiError(415, 'unsupported_media_type', 'send the body as application/json');
    }
    await next();
  };
  const parse = bodyParser({
    enableTypes: ['json'],
    jsonLimit: BODY_LIMIT,
    detectJSON: (ctx) => ctx.path === COMPAT_PATH,
  });
  return [requireJson, parse];
}

export type Fields = Readonly<Record<string, unknown>>;

/** The parsed body as an object; anything else (an array, a number, nothing) is 400. */
export function fields(ctx: Context): Fields {
  const body: unknown = ctx.request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('the body must be a JSON object');
  }
  return body as Fields;
}

export function stringField(body: Fields, key: string, required: true): string;
export function stringField(body: Fields, key: string, required?: false): string | undefined;
export function stringField(body: Fields, key: string, required = false): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) {
    if (required) throw badRequest(`"${key}" is missing`);
    return undefined;
  }
  if (typeof value !== 'string') throw badRequest(`"${key}" must be a string`);
  if (required && value === '') throw badRequest(`"${key}" is empty`);
  return value;
}

export function stringListField(body: Fields, key: string): string[] | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string' && v !== '')) {
    throw badRequest(`"${key}" must be a list of non-empty strings`);
  }
  return [...new Set(value)];
}

export function byteCountField(body: Fields, key: string): number {
  const value = body[key];
  if (value === undefined || value === null) throw badRequest(`"${key}" is missing`);
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw badRequest(`"${key}" must be a whole number of bytes, 0 or more`);
  }
  return value;
}
