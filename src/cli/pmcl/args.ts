import { parseArgs } from 'node:util';
import { UsageError } from '../usage-error.js';
import { parseFingerprint } from './fingerprint.js';

export type Command = 'discover' | 'login' | 'logout' | 'status' | 'logged-users' | 'reset' | 'show';

/** Each command: its short alias (the Go original's names) and how many arguments it takes. */
const COMMANDS: Readonly<Record<Command, { alias: string; min: number; max: number; synopsis: string }>> = {
  discover: { alias: 'd', min: 0, max: 1, synopsis: 'discover [URL]' },
  login: { alias: 'l', min: 2, max: 3, synopsis: 'login [-m manager] URL user [pass]' },
  logout: { alias: 'o', min: 0, max: 0, synopsis: 'logout' },
  status: { alias: 's', min: 0, max: 1, synopsis: 'status [user]' },
  'logged-users': { alias: 'lu', min: 0, max: 0, synopsis: 'logged-users' },
  reset: { alias: 'r', min: 1, max: 1, synopsis: 'reset [-m manager] user' },
  show: { alias: 'sh', min: 1, max: 1, synopsis: 'show manager' },
};

export interface Flags {
  readonly server: string | undefined;
  readonly json: boolean;
  readonly ca: string | undefined;
  /** Canonical (Node's colon form) once parsed. */
  readonly pin: string | undefined;
  readonly passwordStdin: boolean;
  readonly manager: string | undefined;
}

export type Parsed =
  | { readonly command: 'help'; readonly synopsis?: string }
  | { readonly command: 'version' }
  | { readonly command: Command; readonly args: readonly string[]; readonly flags: Flags };

/** Flags may come before or after the command and its arguments; `--` ends them. */
export function parseCommandLine(argv: readonly string[]): Parsed {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        server: { type: 'string' },
        json: { type: 'boolean' },
        ca: { type: 'string' },
        pin: { type: 'string' },
        'password-stdin': { type: 'boolean' },
        manager: { type: 'string', short: 'm' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    });
  } catch (err) {
    // parseArgs reports unknown options and missing values as TypeErrors with ERR_PARSE_ARGS_* codes.
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError(err.message);
    }
    throw err;
  }
  const { values, positionals } = parsed;
  const [name, ...args] = positionals;
  if (values.version === true) return { command: 'version' };
  if (values.help === true || name === 'help' || name === undefined) {
    if (name === undefined && values.help !== true) throw new UsageError('which command?');
    const topic = commandNamed(name === 'help' ? (args[0] ?? '') : (name ?? ''));
    return topic === undefined
      ? { command: 'help' }
      : { command: 'help', synopsis: `usage: pmcl ${COMMANDS[topic].synopsis}` };
  }
  const command = commandNamed(name);
  if (command === undefined) throw new UsageError(`unknown command "${name}"`);
  const spec = COMMANDS[command];
  if (args.length < spec.min || args.length > spec.max) throw new UsageError(`usage: pmcl ${spec.synopsis}`);
  if (values.manager !== undefined && command !== 'login' && command !== 'reset') {
    throw new UsageError('-m/--manager applies to login and reset only');
  }
  if (values['password-stdin'] === true && command !== 'login') {
    throw new UsageError('--password-stdin applies to login only');
  }
  if (values['password-stdin'] === true && args.length === 3) {
    throw new UsageError('give the password either as an argument or with --password-stdin, not both');
  }
  if (values.pin !== undefined && values.ca !== undefined)
    throw new UsageError('give --pin or --ca, not both');
  const pin = values.pin === undefined ? undefined : parseFingerprint(values.pin);
  if (values.pin !== undefined && pin === undefined) {
    throw new UsageError(
      `--pin "${values.pin}" is not a SHA-256 fingerprint (64 hex digits, colons optional)`,
    );
  }
  return {
    command,
    args,
    flags: {
      server: values.server,
      json: values.json === true,
      ca: values.ca,
      pin,
      passwordStdin: values['password-stdin'] === true,
      manager: values.manager,
    },
  };
}

function commandNamed(name: string): Command | undefined {
  for (const [command, spec] of Object.entries(COMMANDS) as [Command, (typeof COMMANDS)[Command]][]) {
    if (name === command || name === spec.alias) return command;
  }
  return undefined;
}
