/** user:password from an HTTP Basic header value (`Basic dXNlcjpwYXNz`), per RFC 7617. */
export type BasicCredentials =
  | { readonly ok: true; readonly user: string; readonly pass: string }
  | { readonly ok: false; readonly problem: 'missing' | 'malformed' };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/u;

export function parseBasic(header: string | undefined): BasicCredentials {
  if (header === undefined) return { ok: false, problem: 'missing' };
  const value = header.trim();
  const space = value.indexOf(' ');
  const scheme = space < 0 ? value : value.slice(0, space);
  // Another scheme (Bearer, Negotiate …) is not credentials this proxy understands: treat as absent.
  if (scheme.toLowerCase() !== 'basic') return { ok: false, problem: 'missing' };
  const token = space < 0 ? '' : value.slice(space + 1).trim();
  if (!BASE64.test(token) || token.length % 4 !== 0) return { ok: false, problem: 'malformed' };
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return { ok: false, problem: 'malformed' };
  const user = decoded.slice(0, colon);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f]/u.test(user)) return { ok: false, problem: 'malformed' };
  return { ok: true, user, pass: decoded.slice(colon + 1) };
}
