import { asSessions } from '../answers.js';
import { callAsUser } from '../api.js';
import type { Context } from '../context.js';
import { formatJson, formatSessions } from '../format.js';

/** `pmcl lu`: every open session as `ip - user` (admins). */
export async function loggedUsersCommand(ctx: Context): Promise<number> {
  const answer = await callAsUser(ctx, 'GET', '/api/sessions');
  const sessions = asSessions(answer);
  if (ctx.flags.json) ctx.terminal.out(formatJson(answer));
  else if (sessions.length === 0) ctx.terminal.out('(no sessions)');
  else for (const line of formatSessions(sessions)) ctx.terminal.out(line);
  return 0;
}
