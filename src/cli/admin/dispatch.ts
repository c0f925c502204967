import { parseArgs } from 'node:util';
import { configDirFrom } from '../config-dir.js';
import { UsageError } from '../usage-error.js';
import { openAdminContext } from './context.js';
import { userCommand } from './users.js';
import { quotaCommand } from './quota.js';
import { sessionCommand } from './sessions.js';
import { filesCommand } from './files.js';
import { loginCommand } from './logins.js';

export type AdminArea = 'user' | 'quota' | 'session' | 'files' | 'login';

/** `pmproxy user|quota|session|files|login …`: parses the shared flags, opens the store, runs, closes. */
export async function runAdminCommand(area: AdminArea, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string', short: 'c' },
      manager: { type: 'string', short: 'm' },
      group: { type: 'string', short: 'g', multiple: true },
      name: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      json: { type: 'boolean' },
      prefix: { type: 'string' },
      db: { type: 'string' },
    },
  });
  const [verb, ...args] = positionals;
  if (verb === undefined) throw new UsageError(`${area}: which action?`);
  const ctx = openAdminContext(configDirFrom(values.config));
  try {
    const flags = {
      manager: values.manager,
      groups: values.group ?? [],
      name: values.name,
      passwordStdin: values['password-stdin'] === true,
      json: values.json === true,
      prefix: values.prefix,
      db: values.db,
    };
    if (area === 'user') return await userCommand(ctx, verb, args, flags);
    if (area === 'quota') return await quotaCommand(ctx, verb, args, flags);
    if (area === 'files') return filesCommand(ctx, verb, args, flags);
    if (area === 'login') return loginCommand(ctx, verb, args, flags);
    return await sessionCommand(ctx, verb, args, flags);
  } finally {
    ctx.close();
  }
}

export interface AdminFlags {
  readonly manager: string | undefined;
  readonly groups: string[];
  readonly name: string | undefined;
  readonly passwordStdin: boolean;
  readonly json: boolean;
  /** `files ls --prefix`: paths starting with this text. */
  readonly prefix: string | undefined;
  /** `user add --db`: which [sqlDB], when there are several. */
  readonly db: string | undefined;
}
