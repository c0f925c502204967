import type { EndReason } from './access-log.js';

/**
 * One proxied request or tunnel, once it is over: what the access log writes (in the format the
 * admin chose) and the metrics count, so that the two always agree. `down` is what the quotas
 * charge: the origin's answer as relayed, head and body (a tunnel's bytes); the proxy's own answers
 * (deny pages, errors) are free and count 0.
 */
export interface AccessRecord {
  /** Epoch ms when it ended. */
  readonly time: number;
  readonly elapsedMs: number;
  readonly client: string;
  readonly user: string | undefined;
  readonly method: string;
  /** The full URL of an HTTP request, `host:port` of a CONNECT. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly httpVersion: string;
  /** 0 when no answer was sent. */
  readonly status: number;
  /** Bytes of the origin's answer delivered to the client, head included: all charged. */
  readonly down: number;
  /** Request body bytes sent to the origin. */
  readonly up: number;
  /** The rule's result ("true", "false"), or how the gateway answered without it ("own", …). */
  readonly result: string;
  /** The manager that said no, when one did. */
  readonly decidedBy: string | undefined;
  /** Where the request went: the origin's host, a parent proxy, or nowhere. */
  readonly peer: string | undefined;
  readonly contentType: string | undefined;
  readonly userAgent: string | undefined;
  readonly referer: string | undefined;
  readonly end: EndReason | undefined;
  readonly error: string | undefined;
}

/** Where finished records go: the access log, the metrics. */
export type AccessSink = (record: AccessRecord) => void;
