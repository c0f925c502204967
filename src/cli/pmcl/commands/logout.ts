import { callAsUser, forgetSession } from '../api.js';
import type { Context } from '../context.js';
import { Failure } from '../failure.js';
import { formatJson } from '../format.js';

/**
 * `pmcl o`: closes the session on the server, then forgets the token. A session the server had
 * already ended counts as logged out; the server address and trusted certificates are kept.
 */
export async function logoutCommand(ctx: Context): Promise<number> {
  const server = ctx.server();
  const { user } = ctx.session(server);
  let note = '';
  try {
    await callAsUser(ctx, 'POST', '/api/logout');
  } catch (err) {
    // callAsUser has already forgotten a session the server no longer knows.
    if (!(err instanceof Failure) || ctx.state.session !== undefined) throw err;
    note = ' (the server had already ended the session)';
  }
  forgetSession(ctx);
  if (ctx.flags.json) ctx.terminal.out(formatJson({ server: server.base, user, loggedOut: true }));
  else ctx.terminal.out(`Logged out ${user} at ${server.base}${note}`);
  return 0;
}
