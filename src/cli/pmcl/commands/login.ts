import { UsageError } from '../../usage-error.js';
import { asLoginAnswer } from '../answers.js';
import { call } from '../api.js';
import type { Context } from '../context.js';
import { formatJson } from '../format.js';
import { parseServer } from '../server-url.js';
import type { Session } from '../state.js';
import { openTrusted } from '../trust.js';

/** `pmcl l [-m manager] URL user [pass]`: opens a session for this machine and keeps its token. */
export async function loginCommand(ctx: Context, args: readonly string[]): Promise<number> {
  const [url, user, given] = args as [string, string, string | undefined];
  const server = parseServer(url);
  if (ctx.flags.server !== undefined && parseServer(ctx.flags.server).base !== server.base) {
    throw new UsageError(`login URL ${server.base} and --server ${ctx.flags.server} differ`);
  }
  let pass = given;
  if (pass === undefined) {
    if (ctx.flags.passwordStdin) pass = await ctx.terminal.readStdinLine();
    else if (ctx.terminal.interactive) {
      // Settle trust in the certificate first, so the password is typed only for a trusted server.
      (await openTrusted(ctx, server)).destroy();
      pass = await ctx.terminal.readPassword(`Password for ${user}: `);
    } else {
      throw new UsageError(
        'no password: give it as an argument, pass --password-stdin, or run on a terminal',
      );
    }
  }
  const body = { user, pass, ...(ctx.flags.manager === undefined ? {} : { manager: ctx.flags.manager }) };
  const answer = asLoginAnswer(await call(ctx, server, 'POST', '/api/login', { body }));
  const session: Session = {
    server: server.base,
    token: answer.token,
    user: answer.user,
    manager: answer.manager,
    expires: answer.expires,
  };
  ctx.update((state) => ({ ...state, server: server.base, session }));
  const shown = { server: server.base, user: answer.user, manager: answer.manager, expires: answer.expires };
  if (ctx.flags.json) ctx.terminal.out(formatJson(shown));
  else
    ctx.terminal.out(
      `Logged in as ${answer.user} at ${server.base} (${answer.manager}) until ${answer.expires}`,
    );
  return 0;
}
