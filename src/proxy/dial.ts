import { lookup, type LookupAddress } from 'node:dns';
import net from 'node:net';
import { FLOW_HIGH_WATER_MARK } from './flow-buffer.js';
import { SocksClient } from 'socks';
import type { Route } from '../managers/types.js';
import type { InternalTargets } from './internal-targets.js';
import { BAD_PARENT, DIAL_TIMEOUT, INTERNAL_TARGET, PARENT_REFUSED, ProxyError } from './upstream-errors.js';

export interface Endpoint {
  /** Host name or address; IPv6 without brackets. */
  readonly host: string;
  readonly port: number;
}

/** `host:port` as written in a request line or CONNECT authority (IPv6 in brackets). */
export function authority(endpoint: Endpoint): string {
  return endpoint.host.includes(':')
    ? `[${endpoint.host}]:${endpoint.port}`
    : `${endpoint.host}:${endpoint.port}`;
}

/** The parent proxy's address, from its URL. */
export function parentEndpoint(parent: URL): Endpoint {
  const defaultPort = parent.protocol === 'http:' ? 80 : 1080;
  return {
    host: parent.hostname.replace(/^\[(.*)\]$/u, '$1'),
    port: parent.port === '' ? defaultPort : Number(parent.port),
  };
}

/** `Basic …` for a parent proxy URL that carries credentials. */
export function parentAuthorization(parent: URL): string | undefined {
  if (parent.username === '' && parent.password === '') return undefined;
  const user = decodeURIComponent(parent.username);
  const pass = decodeURIComponent(parent.password);
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

export function isHttpParent(route: Route | undefined): route is Route & { parentProxy: URL } {
  return route?.parentProxy?.protocol === 'http:';
}

function isSocksParent(route: Route | undefined): route is Route & { parentProxy: URL } {
  const p = route?.parentProxy?.protocol;
  return p === 'socks5:' || p === 'socks5h:' || p === 'socks:';
}

/**
 * A name lookup that keeps only the addresses `guard` lets the proxy dial, so the check is on the
 * address actually connected to (a name rebound to 127.0.0.1 between two lookups gains nothing).
 */
function guardedLookup(guard: InternalTargets): net.LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (err, found: LookupAddress[]) => {
      if (err !== null) {
        callback(err, '');
        return;
      }
      const allowed = found.filter((a) => guard.refusal(a.address) === undefined);
      const first = allowed[0];
      if (first === undefined) {
        const why = found.length === 0 ? undefined : guard.refusal(found[0]?.address ?? '');
        callback(new ProxyError(INTERNAL_TARGET, why ?? `${hostname} has no address`), '');
        return;
      }
      if (options.all === true) callback(null, allowed);
      else callback(null, first.address, first.family);
    });
  };
}

/** A socket that never connects and fails with `err` once the caller has attached its handlers. */
function failedSocket(err: Error): net.Socket {
  const socket = new net.Socket();
  process.nextTick(() => socket.destroy(err));
  return socket;
}

/**
 * Opens a TCP connection, destroyed with a DIAL_TIMEOUT error if it is not connected in time.
 * Returned at once; failures arrive as its 'error' event. With `guard`, an address it refuses is
 * never dialled: the socket fails with an INTERNAL_TARGET error instead.
 */
export function connectDirect(
  endpoint: Endpoint,
  localAddress: string | undefined,
  timeoutMs: number,
  allowHalfOpen = false,
  onread?: net.OnReadOpts,
  guard?: InternalTargets,
): net.Socket {
  // Node passes the stream options through to the socket; its typings do not list them.
  const options: net.TcpNetConnectOpts & { writableHighWaterMark: number } = {
    host: endpoint.host,
    port: endpoint.port,
    allowHalfOpen,
    noDelay: true,
    writableHighWaterMark: FLOW_HIGH_WATER_MARK,
  };
  if (localAddress !== undefined) options.localAddress = localAddress;
  if (onread !== undefined) options.onread = onread;
  if (guard !== undefined) {
    // Literal addresses are not looked up, so they are judged here.
    const refused = net.isIP(endpoint.host) === 0 ? undefined : guard.refusal(endpoint.host);
    if (refused !== undefined) return failedSocket(new ProxyError(INTERNAL_TARGET, refused));
    options.lookup = guardedLookup(guard);
  }
  const socket = net.connect(options);
  // Reads into the caller's buffers start when the caller resumes the socket, not on connect.
  if (onread !== undefined) socket.pause();
  if (timeoutMs > 0) {
    const timer = setTimeout(() => {
      socket.destroy(
        new ProxyError(DIAL_TIMEOUT, `no connection to ${authority(endpoint)} after ${timeoutMs} ms`),
      );
    }, timeoutMs);
    const clear = () => clearTimeout(timer);
    socket.once('connect', clear);
    socket.once('close', clear);
  }
  return socket;
}

function connected(socket: net.Socket): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

const MAX_PARENT_HEAD = 16 * 1024;

/** Asks an HTTP parent proxy to open a tunnel on `socket`; leaves any early tunnel bytes unread. */
function httpConnectHandshake(socket: net.Socket, target: Endpoint, parent: URL): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const auth = parentAuthorization(parent);
    const name = authority(target);
    socket.write(
      `CONNECT ${name} HTTP/1.1\r\nHost: ${name}\r\n` +
        (auth === undefined ? '' : `Proxy-Authorization: ${auth}\r\n`) +
        '\r\n',
    );
    let received = Buffer.alloc(0);
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('end', onEnd);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onEnd = () => {
      cleanup();
      reject(new ProxyError(PARENT_REFUSED, 'the parent proxy closed the connection'));
    };
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) {
        if (received.length > MAX_PARENT_HEAD) {
          cleanup();
          reject(new ProxyError(PARENT_REFUSED, 'the parent proxy sent an oversized answer'));
        }
        return;
      }
      cleanup();
      socket.pause();
      const statusLine = received.subarray(0, received.indexOf('\r\n')).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/u.exec(statusLine)?.[1];
      if (status === undefined || !status.startsWith('2')) {
        reject(new ProxyError(PARENT_REFUSED, `the parent proxy answered "${statusLine.slice(0, 80)}"`));
        return;
      }
      const rest = received.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('end', onEnd);
  });
}

async function socksHandshake(
  socket: net.Socket,
  target: Endpoint,
  parent: URL,
  timeoutMs: number,
): Promise<net.Socket> {
  const { host, port } = parentEndpoint(parent);
  const established = await SocksClient.createConnection({
    command: 'connect',
    destination: { host: target.host, port: target.port },
    proxy: {
      host,
      port,
      type: 5,
      ...(parent.username === '' ? {} : { userId: decodeURIComponent(parent.username) }),
      ...(parent.password === '' ? {} : { password: decodeURIComponent(parent.password) }),
    },
    existing_socket: socket,
    timeout: timeoutMs > 0 ? timeoutMs : 2 ** 31 - 1,
  });
  return established.socket;
}

/**
 * A connected socket to `target`, going out the way `route` says: from its source address, through
 * its parent proxy (HTTP CONNECT or SOCKS5), or directly. One deadline covers the whole dial.
 * `guard` keeps it off internal addresses; the parent proxy's own address is the administrator's
 * choice and is not judged.
 * `onread` (reads into the caller's buffers, the socket paused until the caller resumes it) is
 * used on direct connections only: a parent's handshake is read as 'data'.
 */
export async function dialTunnel(
  target: Endpoint,
  route: Route | undefined,
  timeoutMs: number,
  guard: InternalTargets,
  allowHalfOpen = false,
  onread?: net.OnReadOpts,
): Promise<net.Socket> {
  const parent = route?.parentProxy;
  if (parent === undefined) {
    return connected(connectDirect(target, route?.localAddress, timeoutMs, allowHalfOpen, onread, guard));
  }
  if (!isHttpParent(route) && !isSocksParent(route)) {
    throw new ProxyError(BAD_PARENT, `unsupported parent proxy scheme ${parent.protocol}`);
  }
  // The parent resolves the name; what can be judged here is an address literal or "localhost".
  const refused = guard.refusalOfName(target.host);
  if (refused !== undefined) throw new ProxyError(INTERNAL_TARGET, refused);
  const started = Date.now();
  const socket = connectDirect(parentEndpoint(parent), route.localAddress, timeoutMs, allowHalfOpen);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    if (timeoutMs > 0) {
      timer = setTimeout(
        () =>
          reject(new ProxyError(DIAL_TIMEOUT, `the parent proxy did not open a tunnel in ${timeoutMs} ms`)),
        timeoutMs,
      );
    }
  });
  try {
    await Promise.race([connected(socket), deadline]);
    const left = timeoutMs > 0 ? Math.max(1, timeoutMs - (Date.now() - started)) : 0;
    const handshake = isHttpParent(route)
      ? httpConnectHandshake(socket, target, parent)
      : socksHandshake(socket, target, parent, left);
    return await Promise.race([handshake, deadline]);
  } catch (err) {
    socket.destroy();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
