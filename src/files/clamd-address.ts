/** Where clamd listens: its local (unix) socket, or a TCP address. */
export type ClamdAddress =
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

/**
 * The `clamd` option string: a socket path (anything containing a `/`, as clamd's own `LocalSocket`
 * is written) or `host:port` (IPv6 in brackets, `[::1]:3310`). A bare word is neither, so it is
 * refused rather than guessed at: `clamd.ctl` could be a file name or a host without a port.
 */
export function parseClamdAddress(text: string): ClamdAddress | { error: string } {
  const value = text.trim();
  if (value.includes('/')) return { kind: 'unix', path: value };
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/u.exec(value);
  const port = Number(m?.[3]);
  if (m === null || !(port >= 1 && port <= 65535)) {
    return {
      error: `"${text}" is not a clamd address (a socket path such as "/run/clamav/clamd.ctl", or "host:port")`,
    };
  }
  return { kind: 'tcp', host: m[1] ?? (m[2] as string), port };
}

/** The address as a person reads it in a log line. */
export function formatClamdAddress(address: ClamdAddress): string {
  if (address.kind === 'unix') return address.path;
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
