import net, { type Socket } from 'node:net';
import type http from 'node:http';

/** How long idle keep-alive connections stay open once closing began, for a request already on its way. */
const IDLE_LINGER_MS = 1_000;

/** Stops listening, as net.Server does: without http.Server's closing of idle connections. */
function stopListening(server: http.Server, done: () => void): void {
  net.Server.prototype.close.call(server, done);
}

/**
 * The proxy's client connections: which are open, which have a response under way, and how they
 * end when the proxy closes (stop listening at once, answer what still comes on an idle keep-alive
 * connection with Connection: close, then close idle ones, and cut the rest after the grace period).
 */
export class ClientConnections {
  readonly #open = new Set<Socket>();
  /** Sockets with a response under way: a parse error there cannot be answered, only cut. */
  readonly #busy = new Map<Socket, number>();
  /** Waiting for the last connection to close. */
  readonly #emptied: Array<() => void> = [];
  #requests = 0;
  #closing: Promise<void> | undefined;
  #lingerOver = false;

  constructor(private readonly server: http.Server) {}

  get count(): number {
    return this.#open.size;
  }

  /** Requests being answered (tunnels not counted). */
  get requests(): number {
    return this.#requests;
  }

  get closing(): boolean {
    return this.#closing !== undefined;
  }

  isBusy(socket: Socket): boolean {
    return this.#busy.has(socket);
  }

  opened(socket: Socket): void {
    this.#open.add(socket);
    socket.once('close', () => {
      this.#open.delete(socket);
      this.#busy.delete(socket);
      if (this.#open.size === 0) for (const resolve of this.#emptied.splice(0)) resolve();
    });
  }

  /** A request came on `socket`; its response's end is counted when `res` closes. */
  requestStarted(socket: Socket, res: http.ServerResponse): void {
    this.#requests += 1;
    this.#busy.set(socket, (this.#busy.get(socket) ?? 0) + 1);
    res.once('close', () => {
      this.#requests -= 1;
      const n = (this.#busy.get(socket) ?? 1) - 1;
      if (n > 0) this.#busy.set(socket, n);
      else this.#busy.delete(socket);
    });
  }

  /** A response ended: past the linger, its connection, now idle, is closed at once. */
  responseDone(): void {
    if (this.#lingerOver) setImmediate(() => this.server.closeIdleConnections());
  }

  /**
   * Stops accepting; requests and tunnels in flight have `graceMs` to finish, then what is left is
   * destroyed. `closed` runs once the listener is closed (the upstream pools go then).
   */
  close(graceMs: number, closed: () => void): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        clearTimeout(linger);
        closed();
        // The server counts a socket gone when it is destroyed; its 'close' comes a little later.
        if (this.#open.size === 0) resolve();
        else this.#emptied.push(resolve);
      };
      const timer = setTimeout(() => {
        for (const socket of this.#open) socket.destroy();
      }, graceMs);
      // net's close, not http's: http.Server.close also closes idle keep-alive connections at once,
      // and a client sending its next request on one at that moment gets a reset. They are kept a
      // moment instead, and a request that comes meanwhile is answered, with Connection: close.
      if (this.server.listening) stopListening(this.server, done);
      else done();
      const linger = setTimeout(
        () => {
          this.#lingerOver = true;
          this.server.closeIdleConnections();
        },
        Math.min(IDLE_LINGER_MS, graceMs),
      );
    });
    return this.#closing;
  }
}
