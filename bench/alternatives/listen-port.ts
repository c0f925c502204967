/** The port a reference proxy listens on: its first argument. */
export function listenPort(fallback: number): number {
  const text = process.argv[2];
  if (text === undefined) return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    process.stderr.write(`not a port: ${text}\n`);
    process.exit(2);
  }
  return port;
}

/** Exits at once on SIGINT/SIGTERM: the bench measures the proxy, not its shutdown. */
export function exitOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0));
}
