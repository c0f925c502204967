import { jsonLine } from '../util/json-line.js';
import type { AccessRecord } from './access-record.js';

/** The access log's line formats: `[log] access` in server.toml. */
export const ACCESS_FORMATS = ['json', 'squid', 'combined'] as const;
export type AccessFormat = (typeof ACCESS_FORMATS)[number];

// eslint-disable-next-line no-control-regex -- control characters are exactly what must not reach a log line
const UNSAFE_IN_FIELD = /[\s\u0000-\u001f\u007f"\\]/gu;

/** One space-free field: what splits a line (spaces, quotes, control characters) percent-encoded. */
function field(text: string | undefined): string {
  if (text === undefined || text === '') return '-';
  return text.replace(
    UNSAFE_IN_FIELD,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

/** A quoted field of the combined format: quotes and backslashes escaped, control characters dropped. */
function quoted(text: string | undefined): string {
  if (text === undefined || text === '') return '"-"';
  // eslint-disable-next-line no-control-regex -- as above
  return `"${text.replace(/[\u0000-\u001f\u007f]/gu, '').replace(/["\\]/gu, (c) => `\\${c}`)}"`;
}

/**
 * Squid's result code: TCP_TUNNEL for a CONNECT let through, TCP_DENIED for a refusal, TCP_MISS for a
 * request answered from the origin (pmproxy caches nothing), NONE when nothing was answered; an
 * answer the client left before it ended is _ABORTED, as Squid writes it.
 */
export function squidResult(r: AccessRecord): string {
  if (r.status === 0) return 'NONE';
  if (r.result === 'false' || r.result === 'port-refused' || r.result === 'internal-target') {
    return 'TCP_DENIED';
  }
  const base = r.method === 'CONNECT' && r.status === 200 ? 'TCP_TUNNEL' : 'TCP_MISS';
  return r.end === 'client-closed' ? `${base}_ABORTED` : base;
}

/** Squid's hierarchy code and peer: where the request went. */
function hierarchy(r: AccessRecord): string {
  if (r.peer === undefined) return 'HIER_NONE/-';
  return r.peer.startsWith('parent:')
    ? `FIRST_PARENT_MISS/${field(r.peer.slice(7))}`
    : `HIER_DIRECT/${field(r.peer)}`;
}

/**
 * Squid's native `logformat squid`: `%ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt`,
 * what calamaris, sarg and lightsquid read.
 */
export function squidLine(r: AccessRecord): string {
  const seconds = `${Math.floor(r.time / 1000)}.${String(r.time % 1000).padStart(3, '0')}`;
  const status = String(r.status).padStart(3, '0');
  return (
    `${seconds} ${String(r.elapsedMs).padStart(6)} ${field(r.client)} ${squidResult(r)}/${status} ` +
    `${r.down} ${field(r.method)} ${field(r.url)} ${field(r.user)} ${hierarchy(r)} ${field(r.contentType)}\n`
  );
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `02/Dec/2026:13:50:00 +0000`, in UTC, as Apache's %t. */
function clfTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()] ?? ''}/${d.getUTCFullYear()}:` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`
  );
}

/** Apache's combined format: `%h %l %u [%t] "%r" %>s %b "%{Referer}i" "%{User-agent}i"`. */
export function combinedLine(r: AccessRecord): string {
  const request = `${field(r.method)} ${field(r.url)} HTTP/${r.httpVersion}`;
  return (
    `${field(r.client)} - ${field(r.user)} [${clfTime(r.time)}] "${request}" ${r.status === 0 ? '-' : r.status} ` +
    `${r.down === 0 ? '-' : r.down} ${quoted(r.referer)} ${quoted(r.userAgent)}\n`
  );
}

const JSON_BASE = '"app":"pmproxy"';

/** pino's shape, as the event log's lines: `{"level":30,"time":…,"msg":"access","kind":"access",…}`. */
export function jsonAccessLine(r: AccessRecord): string {
  return jsonLine('info', r.time, JSON_BASE, 'access', accessFields(r));
}

/** The access line's fields as JSON writes them (and as the event log had them before `[log]`). */
export function accessFields(r: AccessRecord): Record<string, unknown> {
  return {
    kind: 'access',
    client: r.client,
    user: r.user ?? '-',
    method: r.method,
    url: r.url,
    host: r.host,
    port: r.port,
    status: r.status,
    down: r.down,
    up: r.up,
    ms: r.elapsedMs,
    result: r.result,
    decidedBy: r.decidedBy,
    type: r.contentType,
    end: r.end,
    error: r.error,
  };
}

export function formatAccess(format: AccessFormat, r: AccessRecord): string {
  switch (format) {
    case 'squid':
      return squidLine(r);
    case 'combined':
      return combinedLine(r);
    case 'json':
      return jsonAccessLine(r);
  }
}
