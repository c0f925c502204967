// The one way the pages talk to the API (docs/api.md): same-origin cookies for the login, the CSRF
// header on every call that changes something, and `{error: {code, message}}` turned into ApiError.

/** An answer the API gave on purpose (or a network failure, status 0), with its code and message. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {Record<string, unknown>} [details]
   */
  constructor(status, code, message, details = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** 401 codes: the caller must log in (again). */
const LOGGED_OUT = new Set(['no_token', 'bad_token', 'expired_token', 'session_closed']);

/** @param {unknown} err */
export function isLoggedOut(err) {
  return err instanceof ApiError && err.status === 401 && LOGGED_OUT.has(err.code);
}

/** @param {string} name */
function readCookie(name) {
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** @param {unknown} value */
function isRecord(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * @param {Response} res
 * @param {unknown} data
 */
function toError(res, data) {
  const error = isRecord(data) && isRecord(data.error) ? data.error : {};
  const { code, message, ...details } = error;
  let text = typeof message === 'string' ? message : `${res.status} ${res.statusText}`.trim();
  const retry = Number(res.headers.get('Retry-After'));
  if (res.status === 429 && retry > 0) text += ` (try again in ${Math.ceil(retry / 60)} min)`;
  return new ApiError(res.status, typeof code === 'string' ? code : `http_${res.status}`, text, details);
}

/**
 * Calls the API and answers its JSON (undefined for 204). Throws ApiError.
 * @param {'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<unknown>} the parsed JSON
 */
export async function api(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') {
    // The token cookie alone would let another site's form act for the user (CSRF): the API wants
    // proof that the caller can read our own cookie.
    const csrf = readCookie('pmproxy_csrf');
    if (csrf !== undefined) headers['X-CSRF-Token'] = csrf;
  }
  /** @type {RequestInit} */
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', 'the gateway could not be reached; check the connection and try again');
  }
  const text = res.status === 204 ? '' : await res.text();
  let data;
  try {
    data = text === '' ? undefined : JSON.parse(text);
  } catch {
    data = undefined;
  }
  if (!res.ok) throw toError(res, data);
  return data;
}

/**
 * The login page, coming back to `next` (this page by default) afterwards.
 * @param {string} [next]
 */
export function loginPath(next = location.pathname + location.search) {
  return `/login?next=${encodeURIComponent(next)}`;
}
