import { asDiscovery } from '../answers.js';
import { call } from '../api.js';
import type { Context } from '../context.js';
import { parseServer } from '../server-url.js';
import { formatDiscovery, formatJson } from '../format.js';

/**
 * `pmcl d [URL]`: how the proxy rule judges this machine, and the URL when given. Needs no login and
 * sends no token. When no server is known yet (no --server, $PMCL_SERVER or login), URL is the
 * server, as in the Go original's README (`pmcl d https://localhost:4443`); otherwise it is the
 * address to judge.
 */
export async function discoverCommand(ctx: Context, args: readonly string[]): Promise<number> {
  const [given] = args;
  const isServer = given !== undefined && ctx.knownServer() === undefined && /^https:\/\//iu.test(given);
  const server = isServer ? parseServer(given) : ctx.server();
  const target = isServer ? undefined : given;
  const query = target === undefined ? '' : `?url=${encodeURIComponent(target)}`;
  const answer = asDiscovery(await call(ctx, server, 'GET', `/api/discover${query}`));
  if (ctx.flags.json) ctx.terminal.out(formatJson(answer));
  else for (const line of formatDiscovery(answer)) ctx.terminal.out(line);
  return 0;
}
