/** Our entry in the `Via` header (RFC 9110 §7.6.3), added to requests and responses. */
export const VIA = '1.1 pmproxy';

/**
 * Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus the proxy's own
 * credentials. They are never relayed; Transfer-Encoding is dropped because Node re-frames the body.
 */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-authenticate',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const NOTHING: readonly string[] = [];

/** A header list as Node gives it in `rawHeaders`: name, value, name, value … */
export type RawHeaders = readonly string[];

/** Names listed in every `Connection` header (lowercased): they are hop-by-hop too. */
function connectionListed(raw: RawHeaders): Set<string> | undefined {
  let listed: Set<string> | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() !== 'connection') continue;
    listed ??= new Set<string>();
    for (const token of (raw[i + 1] ?? '').split(',')) {
      const name = token.trim().toLowerCase();
      if (name !== '') listed.add(name);
    }
  }
  return listed;
}

export interface RelayOptions {
  /** Lowercased names to drop besides the hop-by-hop ones (`host`, `expect` …). */
  readonly drop?: readonly string[];
  /** Appended after filtering, in order: name, value, name, value … */
  readonly add?: readonly string[];
}

/**
 * Filters a raw header list for relaying: drops hop-by-hop headers and those the message's
 * `Connection` header names, keeps the rest in order (duplicates such as Set-Cookie intact), merges
 * our `Via` into any received one.
 */
export function relayHeaders(raw: RawHeaders, options: RelayOptions = {}): string[] {
  const listed = connectionListed(raw);
  const drop = options.drop ?? NOTHING;
  const out: string[] = [];
  // Received Via values joined as they come; most messages carry none.
  let via = '';
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const value = raw[i + 1] ?? '';
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || listed?.has(lower) === true || drop.includes(lower)) continue;
    if (lower === 'via') {
      via += `${value}, `;
      continue;
    }
    out.push(name, value);
  }
  out.push('Via', via + VIA);
  const add = options.add;
  if (add !== undefined) for (const item of add) out.push(item);
  return out;
}

/** Bytes of a response head as written on the wire, for charging it to a quota. */
export function responseHeadLength(status: number, message: string, headers: RawHeaders): number {
  // Heads are written in latin1, one byte per UTF-16 unit: a string's length is its byte count,
  // without building each line to measure it (an allocation per header per request).
  let n = 'HTTP/1.1 '.length + String(status).length + 1 + message.length + 2 + 2;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    n += (headers[i] ?? '').length + 2 + (headers[i + 1] ?? '').length + 2;
  }
  return n;
}
