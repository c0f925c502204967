import type Koa from 'koa';

/** What the file routes answer to; XEP-0363's example CORS headers name the same. */
export const FILE_METHODS = 'OPTIONS, HEAD, GET, PUT';

/**
 * Sets the CORS headers for a request to the file routes. Credentials are never allowed: uploads
 * carry their authority in the URL, and a cookie of this origin must not ride along.
 */
export function setCors(ctx: Koa.Context, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const origin = ctx.get('Origin');
  if (origins.includes('*')) ctx.set('Access-Control-Allow-Origin', '*');
  else {
    ctx.vary('Origin');
    if (origin === '' || !origins.includes(origin)) return;
    ctx.set('Access-Control-Allow-Origin', origin);
  }
  if (ctx.method === 'OPTIONS') {
    ctx.set('Access-Control-Allow-Methods', FILE_METHODS);
    ctx.set('Access-Control-Allow-Headers', 'Authorization, Content-Type');
    ctx.set('Access-Control-Max-Age', '7200');
  } else {
    ctx.set('Access-Control-Expose-Headers', 'Content-Length, Content-Range, ETag');
  }
}
