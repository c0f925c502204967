import type { Server } from 'node:net';
import type { ListenAddress } from '../config/types.js';

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
    if (fd !== undefined) server.listen({ fd }, done);
    else server.listen(addr.host === '' ? { port: addr.port } : { host: addr.host, port: addr.port }, done);
  });
}
