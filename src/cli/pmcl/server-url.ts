import { UsageError } from '../usage-error.js';

/** Where the API is: its base URL and the `host:port` that certificate trust is recorded under. */
export interface Server {
  /** The base URL without a trailing slash, e.g. `https://127.0.0.1:4443`. */
  readonly base: string;
  /** Host name or address as dialled (IPv6 without brackets). */
  readonly hostname: string;
  readonly port: number;
  /** `host:port` (IPv6 in brackets): the key of the trust record, like an ssh known_hosts entry. */
  readonly key: string;
}

/** Parses the API base URL; only https, because the token and password travel over it. */
export function parseServer(text: string): Server {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`"${text}" is not a URL (expected https://host[:port])`);
  }
  if (url.protocol !== 'https:') {
    throw new UsageError(`"${text}": the API is HTTPS only (expected https://host[:port])`);
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new UsageError(`"${text}": give only https://host[:port] (no user, query or fragment)`);
  }
  const port = url.port === '' ? 443 : Number(url.port);
  const path = url.pathname.replace(/\/+$/u, '');
  return {
    base: `${url.protocol}//${url.host}${path}`,
    hostname: url.hostname.replace(/^\[(.*)\]$/u, '$1'),
    port,
    key: `${url.hostname}:${port}`,
  };
}
