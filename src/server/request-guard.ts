import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';

/**
 * What is wrong with a request before any route sees it, or undefined when nothing is: a request
 * target no URL parser takes (`http://[::1/`), or an HTTP/1.1 request without exactly one Host
 * (RFC 9112 §3.2: 400). Koa would otherwise throw on the target deep inside and answer 500.
 */
export function requestProblem(req: IncomingMessage | Http2ServerRequest): string | undefined {
  const target = req.url ?? '';
  if (!validTarget(target, req.method)) return 'the request target is not a valid path or URL';
  return hostHeaderProblem(req);
}

/**
 * RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host header, an HTTP/1.0 one at most one
 * (HTTP/2 names its authority otherwise). Undefined when the request keeps to that.
 */
export function hostHeaderProblem(req: IncomingMessage | Http2ServerRequest): string | undefined {
  if (req.httpVersionMajor >= 2) return undefined;
  let hosts = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]?.toLowerCase() === 'host') hosts += 1;
  }
  if (hosts > 1) return 'the request has more than one Host header';
  if (hosts === 0 && req.httpVersionMinor >= 1) return 'an HTTP/1.1 request needs a Host header';
  return undefined;
}

function validTarget(target: string, method: string | undefined): boolean {
  if (target === '*') return method === 'OPTIONS';
  try {
    if (target.startsWith('/')) {
      // "//host/path" is a path here, never an authority: resolve it against a fixed origin.
      new URL(`http://origin.invalid${target}`);
      return true;
    }
    const url = new URL(target);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host !== '';
  } catch {
    return false;
  }
}
