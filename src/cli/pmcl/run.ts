import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError } from '../usage-error.js';
import { parseCommandLine, type Command } from './args.js';
import { discoverCommand } from './commands/discover.js';
import { loggedUsersCommand } from './commands/logged-users.js';
import { loginCommand } from './commands/login.js';
import { logoutCommand } from './commands/logout.js';
import { resetCommand } from './commands/reset.js';
import { showCommand } from './commands/show.js';
import { statusCommand } from './commands/status.js';
import { Context } from './context.js';
import { statePath } from './state.js';
import type { Terminal } from './terminal.js';
import { SHORT_USAGE, USAGE } from './usage.js';
import { packageVersion } from '../version.js';

const COMMANDS: Readonly<Record<Command, (ctx: Context, args: readonly string[]) => Promise<number>>> = {
  discover: discoverCommand,
  login: loginCommand,
  logout: logoutCommand,
  status: statusCommand,
  'logged-users': loggedUsersCommand,
  reset: resetCommand,
  show: showCommand,
};

/** Runs one pmcl command line; every outcome is an exit status (0 ok, 1 failed or denied, 2 usage). */
export async function runPmcl(
  argv: readonly string[],
  terminal: Terminal,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  try {
    const parsed = parseCommandLine(argv);
    if (parsed.command === 'help') {
      terminal.out(
        parsed.synopsis === undefined ? USAGE : `${parsed.synopsis}\nFlags and details: pmcl help`,
      );
      return EXIT_OK;
    }
    if (parsed.command === 'version') {
      terminal.out(`pmcl ${packageVersion()}`);
      return EXIT_OK;
    }
    const ctx = new Context(parsed.flags, terminal, statePath(env), env);
    return await COMMANDS[parsed.command](ctx, parsed.args);
  } catch (err) {
    if (err instanceof UsageError) {
      terminal.err(`pmcl: ${err.message}\n${SHORT_USAGE}`);
      return EXIT_USAGE;
    }
    // Every failure reads as one message; PMCL_DEBUG shows where it came from.
    const debug = env['PMCL_DEBUG'] !== undefined && env['PMCL_DEBUG'] !== '';
    const text = err instanceof Error ? (debug ? (err.stack ?? err.message) : err.message) : String(err);
    terminal.err(`pmcl: ${text}`);
    return EXIT_FAILED;
  }
}
