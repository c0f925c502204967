/**
 * How a failure to reach or read the origin is answered: 502 when it said no, 504 when it said
 * nothing, 403 when the proxy would not dial the address the name resolved to.
 */
export interface UpstreamFailure {
  readonly status: 403 | 502 | 504;
  /** A few words for the error page and the access log. */
  readonly reason: string;
  /** The error code seen (`ECONNREFUSED` …), for the log. */
  readonly code: string;
}

/** Codes this module raises itself, alongside the system's errno names. */
export const DIAL_TIMEOUT = 'PMPROXY_DIAL_TIMEOUT';
export const UPSTREAM_IDLE = 'PMPROXY_UPSTREAM_IDLE';
export const PARENT_REFUSED = 'PMPROXY_PARENT_REFUSED';
export const BAD_PARENT = 'PMPROXY_BAD_PARENT';
export const INTERNAL_TARGET = 'PMPROXY_INTERNAL_TARGET';

const TABLE: Readonly<Record<string, { status: 403 | 502 | 504; reason: string }>> = {
  ENOTFOUND: { status: 502, reason: 'no such host' },
  EAI_AGAIN: { status: 502, reason: 'the host name could not be resolved right now' },
  EAI_FAIL: { status: 502, reason: 'the host name could not be resolved' },
  EAI_NODATA: { status: 502, reason: 'the host name has no address' },
  ECONNREFUSED: { status: 502, reason: 'connection refused' },
  ECONNRESET: { status: 502, reason: 'connection reset by the origin' },
  EPIPE: { status: 502, reason: 'the origin closed the connection' },
  EHOSTUNREACH: { status: 502, reason: 'host unreachable' },
  EHOSTDOWN: { status: 502, reason: 'host is down' },
  ENETUNREACH: { status: 502, reason: 'network unreachable' },
  ENETDOWN: { status: 502, reason: 'network is down' },
  EADDRNOTAVAIL: { status: 502, reason: 'the configured source address is not available' },
  EACCES: { status: 502, reason: 'connection not permitted' },
  EPERM: { status: 502, reason: 'connection not permitted' },
  EPROTO: { status: 502, reason: 'protocol error' },
  ETIMEDOUT: { status: 504, reason: 'connection timed out' },
  ESOCKETTIMEDOUT: { status: 504, reason: 'the origin stopped answering' },
  [DIAL_TIMEOUT]: { status: 504, reason: 'connecting took too long' },
  [UPSTREAM_IDLE]: { status: 504, reason: 'the origin did not answer in time' },
  [PARENT_REFUSED]: { status: 502, reason: 'the parent proxy refused the connection' },
  [BAD_PARENT]: { status: 502, reason: 'the parent proxy is misconfigured' },
  [INTERNAL_TARGET]: { status: 403, reason: 'refused' },
};

/** An Error carrying one of the codes above. */
export class ProxyError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProxyError';
  }
}

function codeOf(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return '';
}

/** Classifies an error from dialling or from the upstream request. */
export function classifyUpstreamError(err: unknown): UpstreamFailure {
  const code = codeOf(err);
  const known = TABLE[code];
  if (known !== undefined) {
    const detail = err instanceof ProxyError ? `: ${err.message}` : '';
    return { status: known.status, reason: `${known.reason}${detail}`, code };
  }
  const message = err instanceof Error ? err.message : String(err);
  if (code.startsWith('HPE_')) return { status: 502, reason: 'the origin sent an invalid response', code };
  // The socks client reports failures only in its message.
  if (/timed out/iu.test(message)) return { status: 504, reason: message, code: code || 'SOCKS_TIMEOUT' };
  return { status: 502, reason: message || 'upstream failure', code: code || 'UNKNOWN' };
}
