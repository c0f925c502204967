import { isIP, type Server as NetServer, type Socket } from 'node:net';
import ipaddr from 'ipaddr.js';
import { normalizeIp } from '../util/ip.js';

export interface ConnectionCaps {
  /** Open connections at most on the listener. */
  readonly maxConnections: number;
  /** Open connections at most from one client address (IPv6: one /64, what one host is given). */
  readonly maxConnectionsPerAddress: number;
}

export type Refusal = 'listener-full' | 'address-full';

export interface ConnectionLimiter {
  /** Connections open now, in all and from one client address. */
  open(): number;
  openFrom(address: string): number;
}

/**
 * Caps a listener's concurrent connections, in all and per client address. It sits in front of
 * every 'connection' listener the server has when called (for a TLS server, the one that starts
 * the handshake), so a refused socket is destroyed before any TLS or HTTP work, and a socket
 * handed in with `server.emit('connection', socket)` is counted by its own peer address, as an
 * accepted one. Works on any net.Server: net, tls, http, https, http2.
 */
export function limitConnections(
  server: NetServer,
  caps: ConnectionCaps,
  onRefused: (socket: Socket, why: Refusal) => void = () => undefined,
): ConnectionLimiter {
  const perAddress = new Map<string, number>();
  let open = 0;
  const downstream = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');

  server.on('connection', (socket: Socket) => {
    // A handed-in socket whose client already left: its 'close' is gone, so it must not be counted.
    if (socket.destroyed) return;
    const key = addressKey(socket.remoteAddress);
    const fromHere = perAddress.get(key) ?? 0;
    const refusal: Refusal | undefined =
      open >= caps.maxConnections
        ? 'listener-full'
        : fromHere >= caps.maxConnectionsPerAddress
          ? 'address-full'
          : undefined;
    if (refusal !== undefined) {
      // A reset, not a FIN: nothing is owed to a client over its share, and no close handshake ties
      // up the socket.
      socket.on('error', () => undefined);
      resetOrDestroy(socket);
      onRefused(socket, refusal);
      return;
    }
    open += 1;
    perAddress.set(key, fromHere + 1);
    socket.once('close', () => {
      open -= 1;
      const left = (perAddress.get(key) ?? 1) - 1;
      if (left > 0) perAddress.set(key, left);
      else perAddress.delete(key);
    });
    for (const listener of downstream) listener.call(server, socket);
  });

  return {
    open: () => open,
    openFrom: (address) => perAddress.get(addressKey(address)) ?? 0,
  };
}

/** What the per-address cap counts by: the IPv4 address, or the /64 of an IPv6 one. */
export function addressKey(address: string | undefined): string {
  const ip = normalizeIp(address ?? '');
  if (isIP(ip) !== 6) return ip;
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${ip}/64`).toString()}/64`;
}

function resetOrDestroy(socket: Socket): void {
  try {
    socket.resetAndDestroy();
  } catch {
    // Only a TCP handle can be reset; a handed-in stream of another kind is just closed.
    socket.destroy();
  }
}
