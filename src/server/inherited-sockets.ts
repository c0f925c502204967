import { ConfigError } from '../config/issues.js';
import type { LoadedConfig } from '../config/load.js';
/** The first descriptor systemd passes (SD_LISTEN_FDS_START). */
const FIRST_FD = 3;

/** The listeners, in the order `systemd/pmproxy.socket` lists its sockets when they have no names. */
export const LISTENER_NAMES = ['proxy', 'api', 'files', 'metrics'] as const;
export type ListenerName = (typeof LISTENER_NAMES)[number];

/**
 * The listening sockets systemd (or `systemd-socket-activate`) passed this process, by listener
 * name: socket activation's LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES. Named sockets
 * (`FileDescriptorName=proxy`, `--fdname=proxy:api`) go to the listener of that name; unnamed ones
 * (systemd names them after the unit) to the listeners in LISTENER_NAMES' order. The variables are
 * removed, so that no child process takes the sockets for its own.
 */
export function inheritedSockets(env: NodeJS.ProcessEnv = process.env): Map<ListenerName, number> {
  const sockets = new Map<ListenerName, number>();
  const pid = Number(env['LISTEN_PID']);
  const count = Number(env['LISTEN_FDS']);
  const names = (env['LISTEN_FDNAMES'] ?? '').split(':');
  delete env['LISTEN_PID'];
  delete env['LISTEN_FDS'];
  delete env['LISTEN_FDNAMES'];
  if (pid !== process.pid || !Number.isInteger(count) || count <= 0) return sockets;
  const known = new Set<string>(LISTENER_NAMES);
  const given = Array.from({ length: count }, (_, i) => names[i] ?? '');
  for (const [i, name] of given.entries()) {
    if (!known.has(name)) continue;
    if (sockets.has(name as ListenerName)) throw new Error(`systemd passed two sockets named "${name}"`);
    sockets.set(name as ListenerName, FIRST_FD + i);
  }
  // Unnamed ones fill the listeners no socket is named for, in order.
  const free = LISTENER_NAMES.filter((name) => !sockets.has(name));
  for (const [i, name] of given.entries()) {
    if (known.has(name)) continue;
    const listener = free.shift();
    if (listener === undefined) {
      throw new Error(`systemd passed ${count} sockets; pmproxy has ${LISTENER_NAMES.length} listeners`);
    }
    sockets.set(listener, FIRST_FD + i);
  }
  return sockets;
}

export function fdOf(inherited: ReadonlyMap<ListenerName, number>, name: ListenerName): { fd?: number } {
  const fd = inherited.get(name);
  return fd === undefined ? {} : { fd };
}

/** A socket passed for a listener server.toml does not have is a unit and a config out of step. */
export function checkInherited(inherited: ReadonlyMap<ListenerName, number>, config: LoadedConfig): void {
  const has: Record<ListenerName, boolean> = {
    proxy: true,
    api: true,
    files: config.server.files?.server !== undefined,
    metrics: config.server.metrics.server !== undefined,
  };
  for (const name of inherited.keys()) {
    if (!has[name]) {
      const table = name === 'files' ? '[files.server]' : '[metrics.server]';
      throw new ConfigError([
        {
          file: 'server.toml',
          path: '',
          message: `systemd passed a socket for the ${name} listener, but there is no ${table}`,
        },
      ]);
    }
  }
}
