import { asUserStatus } from '../answers.js';
import { callAsUser } from '../api.js';
import type { Context } from '../context.js';
import { formatJson, formatStatus } from '../format.js';

/** `pmcl r [-m manager] user`: sets the user's consumption to 0 (the Go original set 1 B) (admins). */
export async function resetCommand(ctx: Context, args: readonly string[]): Promise<number> {
  const [user] = args as [string];
  const body = { bytes: 0, ...(ctx.flags.manager === undefined ? {} : { manager: ctx.flags.manager }) };
  const answer = asUserStatus(
    await callAsUser(ctx, 'PUT', `/api/consumption/${encodeURIComponent(user)}`, { body }),
  );
  if (ctx.flags.json) ctx.terminal.out(formatJson(answer));
  else for (const line of formatStatus(answer)) ctx.terminal.out(line);
  return 0;
}
