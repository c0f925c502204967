import { callAsUser } from '../api.js';
import type { Context } from '../context.js';
import { formatJson } from '../format.js';

/** `pmcl sh manager`: the manager's settings as JSON (admins; the original needed no login). */
export async function showCommand(ctx: Context, args: readonly string[]): Promise<number> {
  const [name] = args as [string];
  const answer = await callAsUser(ctx, 'GET', `/api/managers/${encodeURIComponent(name)}`);
  ctx.terminal.out(formatJson(answer));
  return 0;
}
