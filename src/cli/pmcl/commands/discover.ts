import { asDiscovery } from '../answers.js';
import { call } from '../api.js';
import type { Context } from '../context.js';
import { formatDiscovery, formatJson } from '../format.js';

/**
 * `pmcl d [URL]`: how the proxy rule judges this machine, and the URL when given. Needs no login and
 * sends no token. Unlike the Go original, URL is the address to judge, not the server (--server).
 */
export async function discoverCommand(ctx: Context, args: readonly string[]): Promise<number> {
  const [target] = args;
  const query = target === undefined ? '' : `?url=${encodeURIComponent(target)}`;
  const answer = asDiscovery(await call(ctx, ctx.server(), 'GET', `/api/discover${query}`));
  if (ctx.flags.json) ctx.terminal.out(formatJson(answer));
  else for (const line of formatDiscovery(answer)) ctx.terminal.out(line);
  return 0;
}
