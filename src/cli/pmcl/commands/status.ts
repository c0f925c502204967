import { asUserStatus } from '../answers.js';
import { callAsUser } from '../api.js';
import type { Context } from '../context.js';
import { formatJson, formatStatus } from '../format.js';

/** `pmcl s [user]`: the caller's quota and consumption, or another user's (admins). */
export async function statusCommand(ctx: Context, args: readonly string[]): Promise<number> {
  const [user] = args;
  const path = user === undefined ? '/api/status' : `/api/status/${encodeURIComponent(user)}`;
  const answer = asUserStatus(await callAsUser(ctx, 'GET', path));
  if (ctx.flags.json) ctx.terminal.out(formatJson(answer));
  else for (const line of formatStatus(answer)) ctx.terminal.out(line);
  return 0;
}
