import type { IncomingMessage } from 'node:http';
import type { Endpoint } from './dial.js';
import { hostHeaderProblem } from '../server/request-guard.js';

/** What an absolute-URI request asks for, in the forms the proxy needs. */
export interface ForwardTarget extends Endpoint {
  readonly url: URL;
  /** The path and query exactly as the client sent them ("/" when absent). */
  readonly path: string;
  /** `host[:port]` for the Host header, the port omitted when it is 80. */
  readonly hostHeader: string;
}

export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** Unwraps IPv4-mapped IPv6 (`::ffff:10.0.0.1` → `10.0.0.1`) and drops any zone index. */
export function normalizeClientIp(address: string | undefined): string {
  if (address === undefined) return '';
  // The common case, an address already in normal form, without the regular expressions.
  if (!address.includes('%') && !address.startsWith('::ffff:') && address === address.toLowerCase()) {
    return address;
  }
  const noZone = address.replace(/%.*$/u, '').toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/u.exec(noZone);
  return mapped?.[1] ?? noZone;
}

/**
 * Canonical host as the WHATWG URL parser makes it (lowercase, punycode, IPv4 in dotted form even
 * when written as `2130706433` or `0x7f.1`), without IPv6 brackets or trailing dots — the same
 * string the rules see and the proxy dials, so a rule cannot be sidestepped by spelling.
 */
function canonicalHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/u, '$1').replace(/\.+$/u, '');
}

// Userinfo and backslashes are refused: parsers disagree on where such an authority ends.
const ABSOLUTE = /^(https?):\/\/([A-Za-z0-9.\-_~%!$&'()*+,;=:[\]]+)([/?][^#]*)?(#.*)?$/iu;

/** Parses an absolute-URI request target (`http://host[:port]/path?query`). */
export function parseAbsoluteTarget(requestTarget: string): Parsed<ForwardTarget> {
  const m = ABSOLUTE.exec(requestTarget);
  if (m === null) {
    if (requestTarget.startsWith('/') || requestTarget === '*') {
      return { ok: false, reason: 'this is a forward proxy: send absolute URLs (http://host/path)' };
    }
    return { ok: false, reason: 'the request target is not a plain http:// URL' };
  }
  if (m[1]?.toLowerCase() === 'https') {
    return { ok: false, reason: 'https URLs go through CONNECT' };
  }
  let url: URL;
  try {
    url = new URL(`http://${m[2] ?? ''}${m[3] ?? '/'}`);
  } catch {
    return { ok: false, reason: 'the URL is not valid' };
  }
  const host = canonicalHost(url);
  if (host === '') return { ok: false, reason: 'the URL has no host' };
  const port = url.port === '' ? 80 : Number(url.port);
  if (port < 1 || port > 65535) return { ok: false, reason: 'the URL has no valid port' };
  let path = m[3] ?? '/';
  if (path.startsWith('?')) path = `/${path}`;
  const hostHeader =
    url.port === '' ? url.hostname.replace(/\.+$/u, '') : `${url.hostname.replace(/\.+$/u, '')}:${url.port}`;
  return { ok: true, value: { host, port, url, path, hostHeader } };
}

const AUTHORITY = /^(\[[0-9A-Fa-f:.]+\]|[^\s[\]/?#@:\\]+):(\d{1,5})$/u;

/** Parses a CONNECT target (`host:port`, IPv6 in brackets); the port is required. */
export function parseConnectTarget(target: string): Parsed<Endpoint> {
  const m = AUTHORITY.exec(target);
  if (m === null) return { ok: false, reason: 'CONNECT needs host:port' };
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return { ok: false, reason: 'the port is out of range' };
  let url: URL;
  try {
    url = new URL(`http://${m[1] ?? ''}/`);
  } catch {
    return { ok: false, reason: 'the host is not valid' };
  }
  const host = canonicalHost(url);
  if (host === '') return { ok: false, reason: 'the host is empty' };
  return { ok: true, value: { host, port } };
}

/** Whether the request carries a body (the framing llhttp accepted). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** The values of every header named `name` (lowercase), as sent. */
function rawValues(rawHeaders: readonly string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() === name) values.push(rawHeaders[i + 1] ?? '');
  }
  return values;
}

/**
 * What is wrong with the request's framing headers, for a 400 or 501 before anything else is done;
 * undefined when nothing is. An HTTP/1.1 request carries exactly one Host header, absolute-form
 * ones too (RFC 9112 §3.2); a body is framed by chunked alone, since a proxy that forwarded
 * `gzip, chunked` re-chunked would pass the gzip coding off as the body (RFC 9112 §6.1).
 */
export function framingProblem(req: IncomingMessage): { status: 400 | 501; reason: string } | undefined {
  const host = hostHeaderProblem(req);
  if (host !== undefined) return { status: 400, reason: host };
  if (req.headers['transfer-encoding'] === undefined) return undefined;
  const codings = rawValues(req.rawHeaders, 'transfer-encoding')
    .flatMap((v) => v.split(','))
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '');
  if (codings.length === 1 && codings[0] === 'chunked') return undefined;
  return {
    status: 501,
    reason: `transfer coding "${codings.join(', ')}" is not supported: send chunked alone`,
  };
}
