import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AccessEntry } from './access-log.js';
import { VIA } from './hop-by-hop.js';
import type { OwnListener } from './own-listeners.js';

/** What the access log says of a connection or request handed to one of the gateway's listeners. */
export const OWN_LISTENER_RESULT = 'own-listener';

/** Why the proxy does not hand a target to `own`, or undefined when it does. */
export function handOffRefusal(
  own: OwnListener,
  tunnel: boolean,
): { status: number; reason: string } | undefined {
  if (own.kind === 'proxy') return { status: 403, reason: 'that address is this proxy itself (a loop)' };
  if (tunnel ? own.accept === undefined : own.handle === undefined) {
    return tunnel
      ? { status: 403, reason: 'that listener takes no tunnels' }
      : { status: 400, reason: 'that address speaks HTTPS: go through CONNECT (an https:// URL)' };
  }
  return undefined;
}

/**
 * A CONNECT to one of the gateway's listeners: the client's own socket goes to that listener, which
 * then sees the client's address and judges it by its own rules; nothing is dialled or charged.
 */
export function handOffTunnel(own: OwnListener, client: Socket, head: Buffer, entry: AccessEntry): void {
  entry.status = 200;
  entry.result = OWN_LISTENER_RESULT;
  entry.up = head.length;
  client.write(`HTTP/1.1 200 Connection Established\r\nVia: ${VIA}\r\n\r\n`);
  if (head.length > 0) client.unshift(head);
  entry.write();
  own.accept?.(client);
}

/** A plain-HTTP request to one of the gateway's listeners, answered by it in this process. */
export function handOffRequest(
  own: OwnListener,
  req: IncomingMessage,
  res: ServerResponse,
  originForm: string,
  entry: AccessEntry,
): void {
  entry.result = OWN_LISTENER_RESULT;
  res.once('finish', () => (entry.status = res.statusCode));
  req.url = originForm;
  // The proxy's credentials are for the proxy, not for the listener behind it.
  delete req.headers['proxy-authorization'];
  own.handle?.(req, res);
}
