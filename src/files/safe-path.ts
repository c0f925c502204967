import { isAbsolute, join, relative, sep } from 'node:path';

/** A request path that names a file strictly inside the storage directory. */
export interface StoredPath {
  /** Decoded segments, prefix stripped: the signed path is `segments.join('/')`. */
  readonly segments: readonly string[];
  /** What the upload protocols sign: decoded, no prefix, no leading slash. */
  readonly signed: string;
  /** Absolute path under the storage directory. */
  readonly file: string;
}

export type PathResult =
  { readonly ok: true; readonly path: StoredPath } | { readonly ok: false; readonly reason: string };

/** Most file systems refuse longer names; refusing early gives a clear answer instead of a 500. */
const MAX_SEGMENT_BYTES = 255;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Maps the raw request path (as sent, still percent-encoded, without the query) to a file in
 * `storeDir`. Segments are split on the raw `/` and then decoded one by one, so an encoded `%2F`
 * can never become a separator; a decoded segment that is empty, `.` or `..`, or holds `/`, `\`
 * or NUL is refused. `+` stays a plus (the XMPP servers encode spaces as %20).
 */
export function resolveStoredPath(rawPath: string, prefix: string, storeDir: string): PathResult {
  if (!rawPath.startsWith(prefix)) return { ok: false, reason: `not under ${prefix}` };
  const rest = rawPath.slice(prefix.length);
  if (rest === '') return { ok: false, reason: 'no file name' };
  const segments: string[] = [];
  for (const raw of rest.split('/')) {
    const segment = decodeSegment(raw);
    if (typeof segment !== 'string') return { ok: false, reason: segment.error };
    const bad = badSegment(segment);
    if (bad !== undefined) return { ok: false, reason: bad };
    segments.push(segment);
  }
  const file = join(storeDir, ...segments);
  // Belt and braces: the checks above already make this impossible.
  const inside = relative(storeDir, file);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
    return { ok: false, reason: 'outside the storage directory' };
  }
  return { ok: true, path: { segments, signed: segments.join('/'), file } };
}

/** Strict percent-decoding to UTF-8: a stray `%` or bytes that are not UTF-8 are refused. */
function decodeSegment(raw: string): string | { error: string } {
  if (!/^(?:[^%]|%[0-9A-Fa-f]{2})*$/u.test(raw)) return { error: 'a "%" not followed by two hex digits' };
  const bytes: number[] = [];
  for (let i = 0; i < raw.length;) {
    if (raw[i] === '%') {
      bytes.push(parseInt(raw.slice(i + 1, i + 3), 16));
      i += 3;
      continue;
    }
    const code = raw.codePointAt(i) as number;
    // A raw request line is bytes; Node gives them as latin1, but be safe with wider characters.
    if (code > 0xff) bytes.push(...Buffer.from(String.fromCodePoint(code), 'utf8'));
    else bytes.push(code);
    i += code > 0xffff ? 2 : 1;
  }
  if (bytes.length > MAX_SEGMENT_BYTES) {
    return { error: `a path segment longer than ${MAX_SEGMENT_BYTES} bytes` };
  }
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return { error: 'a path segment that is not UTF-8' };
  }
}

function badSegment(segment: string): string | undefined {
  if (segment === '') return 'an empty path segment';
  if (segment === '.' || segment === '..') return `a "${segment}" path segment`;
  if (segment.includes('/')) return 'a "/" inside a path segment';
  if (segment.includes('\\')) return 'a "\\" in the path';
  if (segment.includes('\0')) return 'a NUL in the path';
  return undefined;
}

/**
 * Whether `name` (a file name, not a path) ends in one of `allowed`, compared case-insensitively.
 * Entries may have several dots (`.tar.gz`); an empty list allows every name. A name that is only
 * the extension (`.gz`) has no base name and does not match.
 */
export function hasAllowedExtension(name: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const lower = name.toLowerCase();
  return allowed.some((ext) => {
    const e = ext.toLowerCase();
    return lower.length > e.length && lower.endsWith(e);
  });
}
