import net from 'node:net';
import { LOOPBACK } from '../lib/layout.js';

/**
 * Idle client connections held by the bench process itself, each timed: when it became idle (its
 * keep-alive GET answered, or its CONNECT tunnel established) and when the server closed it, so that
 * "closed before the idle timeout" is judged connection by connection. bench/idle.js does the same
 * steps but holds one kind for a fixed time and then closes them itself.
 */

export type IdleKind = 'keepalive' | 'tunnel';

export interface IdleSocket {
  readonly socket: net.Socket;
  /** performance.now() when the answer was in and the connection fell idle. */
  readonly idleSince: number;
  /** performance.now() when the server closed it, if it has. */
  closedAt: number | undefined;
}

export interface IdleTarget {
  readonly proxyPort: number;
  readonly originPort: number;
  readonly credentials: string | undefined;
  readonly localAddress: string;
}

export interface IdleBatch {
  readonly kind: IdleKind;
  readonly sockets: IdleSocket[];
  readonly failures: Record<string, number>;
  /** How long opening the batch took. */
  readonly openSeconds: number;
}

const STEP_TIMEOUT_MS = 15_000;
const CONCURRENCY = 100;

export async function openIdle(target: IdleTarget, kind: IdleKind, count: number): Promise<IdleBatch> {
  const started = performance.now();
  const sockets: IdleSocket[] = [];
  const failures: Record<string, number> = {};
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      try {
        sockets.push(await openOne(target, kind));
      } catch (err) {
        const why = err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err);
        failures[why] = (failures[why] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker));
  return { kind, sockets, failures, openSeconds: (performance.now() - started) / 1000 };
}

export function failedCount(batch: IdleBatch): number {
  return Object.values(batch.failures).reduce((sum, n) => sum + n, 0);
}

export function closeAll(batch: IdleBatch): void {
  for (const idle of batch.sockets) idle.socket.destroy();
}

function requestFor(target: IdleTarget, kind: IdleKind): string {
  const origin = `${LOOPBACK}:${target.originPort}`;
  const auth =
    target.credentials === undefined
      ? ''
      : `Proxy-Authorization: Basic ${Buffer.from(target.credentials).toString('base64')}\r\n`;
  return kind === 'tunnel'
    ? `CONNECT ${origin} HTTP/1.1\r\nHost: ${origin}\r\n${auth}\r\n`
    : `GET http://${origin}/small.txt HTTP/1.1\r\nHost: ${origin}\r\n${auth}\r\n`;
}

function openOne(target: IdleTarget, kind: IdleKind): Promise<IdleSocket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: LOOPBACK, port: target.proxyPort, localAddress: target.localAddress });
    let received = Buffer.alloc(0);
    let settled = false;
    const timer = setTimeout(() => finish(new Error('timeout')), STEP_TIMEOUT_MS);
    const finish = (err: Error | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeListener('data', onData);
      if (err !== undefined) {
        socket.destroy();
        reject(err);
        return;
      }
      const idle: IdleSocket = { socket, idleSince: performance.now(), closedAt: undefined };
      socket.on('data', () => {}); // an idle socket must not buffer anything unread
      socket.on('error', () => {});
      socket.on('close', () => (idle.closedAt ??= performance.now()));
      resolve(idle);
    };
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const answer = answered(received, kind);
      if (answer !== 'incomplete') finish(answer === 'ok' ? undefined : new Error(answer));
    };
    socket.on('data', onData);
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(new Error('closed before the answer')));
    socket.on('connect', () => socket.write(requestFor(target, kind)));
  });
}

/** 'ok' when the whole answer is in (the head, and for a GET the body), 'incomplete', or what is wrong. */
function answered(bytes: Buffer, kind: IdleKind): string {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return 'incomplete';
  const head = bytes.subarray(0, end).toString('latin1');
  const status = /^HTTP\/1\.[01] (\d{3})/u.exec(head)?.[1];
  if (status !== '200') return `status ${status ?? '?'}`;
  if (kind === 'tunnel') return 'ok';
  const length = /\r\ncontent-length:\s*(\d+)/iu.exec(head)?.[1];
  if (length === undefined) return 'no Content-Length: the proxy would close this connection';
  return bytes.length - end - 4 >= Number(length) ? 'ok' : 'incomplete';
}
