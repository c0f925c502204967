import type { ServerConfig } from '../config/types.js';

/**
 * Settings of server.toml a reload applies at once: the proxy reads them per request or per
 * connection, the file routes per request. Everything else (listener addresses, certificates, the
 * store, the web folder, the persist interval, settings other parts add later) needs a restart.
 */
const LIVE: ReadonlySet<string> = new Set([
  'proxy.connectPorts',
  'proxy.allowInternal',
  'proxy.dialTimeout',
  'proxy.writeTimeout',
  'proxy.idleTimeout',
  'proxy.readTimeout',
  // Read when the gateway stops.
  'gracefulTimeout',
]);

function isLive(path: string): boolean {
  if (LIVE.has(path)) return true;
  return path.startsWith('files.') && !path.startsWith('files.server.');
}

/** Leaf key paths of a settings object with their values, lists and addresses as whole values. */
function leaves(value: unknown, path: string, out: Map<string, string>): Map<string, string> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !path.endsWith('addr')) {
    for (const [key, inner] of Object.entries(value))
      leaves(inner, path === '' ? key : `${path}.${key}`, out);
  } else out.set(path, JSON.stringify(value));
  return out;
}

/** How server.toml spells a settings path: listener settings sit in their `server` table. */
function tomlPath(path: string): string {
  return path.replace(/^(proxy|api)\.(addr|readTimeout|writeTimeout)$/u, '$1.server.$2');
}

/** The server.toml keys that changed between two configurations and apply only after a restart. */
export function restartNeeded(before: ServerConfig, after: ServerConfig): string[] {
  const old = leaves(before, '', new Map());
  const now = leaves(after, '', new Map());
  const changed = new Set<string>();
  for (const [path, value] of now) if (old.get(path) !== value) changed.add(path);
  for (const path of old.keys()) if (!now.has(path)) changed.add(path);
  return [...changed]
    .filter((p) => !isLive(p))
    .map(tomlPath)
    .sort();
}
