// Where the login page sends the browser afterwards. The proxy's deny page links here with the page
// that was refused, so any absolute http(s) URL is a fair destination; anything else (javascript:,
// data:, protocol-relative "//host", "/\host" which browsers read as "//host") is not.

const FALLBACK = '/status';

/**
 * @param {string | null} raw the `next` query parameter
 * @param {string} origin this page's origin
 * @returns {string} an absolute http(s) URL or a path on this origin
 */
export function safeNext(raw, origin) {
  if (raw === null || raw === '') return FALLBACK;
  if (raw.startsWith('/')) {
    if (raw.startsWith('//') || raw.startsWith('/\\')) return FALLBACK;
    const url = parse(raw, origin);
    if (url === undefined || url.origin !== origin) return FALLBACK;
    // Judged as the browser will read it: "/..//evil.example" resolves to the path "//evil.example",
    // which location.replace() would take for another host.
    const path = url.pathname + url.search + url.hash;
    return path.startsWith('//') ? FALLBACK : path;
  }
  // Only an absolute URL: a bare "evil.example" must not become a path the user did not mean.
  if (!/^https?:\/\//iu.test(raw)) return FALLBACK;
  const url = parse(raw, undefined);
  return url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:') ? url.href : FALLBACK;
}

/**
 * @param {string} raw
 * @param {string | undefined} base
 */
function parse(raw, base) {
  try {
    return new URL(raw, base);
  } catch {
    return undefined;
  }
}

/**
 * A short name of the destination for the page to show ("example.org"), or undefined for our own pages.
 * @param {string} next a value safeNext returned
 * @param {string} origin
 */
export function describeNext(next, origin) {
  const url = parse(next, origin);
  if (url === undefined || url.origin === origin) return undefined;
  return url.host;
}
