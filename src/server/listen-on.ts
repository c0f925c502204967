import type { Server } from 'node:net';
import type { ListenAddress } from '../config/types.js';

/**
 * The backlog asked for on a socket systemd passed. libuv calls listen() on it again, which sets
 * the socket's backlog anew: Node's default (511) would shrink pmproxy.socket's Backlog=4096, the
 * room for the connections that arrive while pmproxy restarts, for this run and every later one.
 * The kernel caps it at net.core.somaxconn, as it capped systemd's. (Node takes the backlog of a
 * listen on a descriptor from the second argument only, not from the options.)
 */
const INHERITED_BACKLOG = 65_535;

/**
 * Starts `server` listening: on the socket systemd passed (`fd`, socket activation), or on the
 * configured address. Rejects with the listen error (address in use, permission).
 */
export function listenOn(server: Server, addr: ListenAddress, fd?: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      server.off('error', reject);
      resolve();
    };
    if (fd !== undefined) server.listen({ fd }, INHERITED_BACKLOG, done);
    else server.listen(addr.host === '' ? { port: addr.port } : { host: addr.host, port: addr.port }, done);
  });
}
