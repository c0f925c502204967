import { hashPassword } from '../../auth/passwords.js';
import { groupsMentioned } from '../../config/mentions.js';
import { listAllUsers, type ListedUser } from '../../users/all-users.js';
import { MIN_PASSWORD_LENGTH, USER_NAME, USER_NAME_HINT } from '../../users/rules-for-names.js';
import { promptPassword, readLineFromStdin } from '../read-password.js';
import { UsageError } from '../usage-error.js';
import { CommandError, noSuchUser } from '../command-error.js';
import type { AdminContext } from './context.js';
import type { AdminFlags } from './dispatch.js';

/**
 * `pmproxy user …`: lists the users of every user database; adds, changes and deletes those of a
 * `[sqlDB]` (the store), since users written in managers.toml are the admin's to edit.
 */
export async function userCommand(
  ctx: AdminContext,
  verb: string,
  args: string[],
  flags: AdminFlags,
): Promise<number> {
  const store = ctx.services.store;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const everyone = listAllUsers(ctx.services.users);
  if (verb === 'ls') {
    if (flags.json) say(JSON.stringify(everyone));
    else for (const u of everyone) say(`${u.name}\t${u.displayName}\t${u.groups.join(', ')}\t${whereIs(u)}`);
    return 0;
  }
  if (!['add', 'passwd', 'del', 'groups'].includes(verb))
    throw new UsageError(`unknown action "user ${verb}"`);
  const [user, ...more] = args;
  if (user === undefined) throw new UsageError(`user ${verb}: which user?`);
  if (!USER_NAME.test(user)) throw new UsageError(`"${user}" is not a user name (${USER_NAME_HINT})`);
  const db = writableDB(ctx, flags.db);
  const elsewhere = everyone.find((u) => u.name === user && u.db !== db);
  const existing = store.getUser(user);
  const readPass = async (): Promise<string> => {
    const pass = flags.passwordStdin
      ? await readLineFromStdin()
      : await promptPassword(`Password for ${user}: `);
    if (pass.length < MIN_PASSWORD_LENGTH) {
      throw new CommandError(`a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
    }
    return pass;
  };
  if (verb === 'add') {
    if (elsewhere !== undefined) {
      throw new CommandError(
        `"${user}" is already a user of ${whereIs(elsewhere)}; a name may be in one database only`,
      );
    }
    if (existing !== undefined)
      throw new CommandError(`user "${user}" exists; use 'user passwd' or 'user groups'`);
    warnUnknownGroups(ctx, flags.groups);
    const pass = await readPass();
    store.putUser({ name: user, passwordHash: await hashPassword(pass), displayName: flags.name ?? user });
    store.setGroups(user, flags.groups);
    say(`added ${user} to "${db}"${flags.groups.length > 0 ? ` in ${flags.groups.join(', ')}` : ''}`);
    return 0;
  }
  if (existing === undefined) {
    if (elsewhere !== undefined) {
      throw new CommandError(
        `"${user}" is a user of ${whereIs(elsewhere)}, which pmproxy does not change; edit managers.toml`,
      );
    }
    throw noSuchUser(user);
  }
  switch (verb) {
    case 'passwd': {
      const pass = await readPass();
      store.putUser({ name: user, passwordHash: await hashPassword(pass) });
      say(`changed the password of ${user}`);
      return 0;
    }
    case 'del': {
      store.deleteUser(user);
      const closed = ctx.services.sessions.closeUser(user);
      say(`deleted ${user}${closed > 0 ? ` and closed ${closed} session(s)` : ''}`);
      return 0;
    }
    default: {
      const groups = [...flags.groups, ...more];
      if (groups.length > 0) {
        warnUnknownGroups(ctx, groups);
        store.setGroups(user, groups);
      }
      say(`${user}: ${(groups.length > 0 ? groups : existing.groups).join(', ') || '(no groups)'}`);
      return 0;
    }
  }
}

function whereIs(u: ListedUser): string {
  return `${u.kind} "${u.db}"${u.readOnly ? ' (managers.toml, read-only)' : ''}`;
}

/** The `[sqlDB]` the command changes: the one named by --db, else the only one. */
function writableDB(ctx: AdminContext, named: string | undefined): string {
  const sql = ctx.config.userDBs.filter((d) => d.kind === 'sqlDB').map((d) => d.name);
  if (named !== undefined) {
    if (!sql.includes(named)) {
      throw new CommandError(`no [sqlDB] named "${named}" (there is: ${sql.join(', ') || 'none'})`);
    }
    return named;
  }
  const [only, ...others] = sql;
  if (only === undefined) {
    throw new CommandError(
      'managers.toml has no [sqlDB]: its users are written in managers.toml; add [sqlDB] to manage users here',
    );
  }
  if (others.length > 0)
    throw new UsageError(`there are several [sqlDB] (${sql.join(', ')}): say which with --db`);
  return only;
}

function warnUnknownGroups(ctx: AdminContext, groups: readonly string[]): void {
  const known = groupsMentioned(ctx.config);
  for (const group of groups) {
    if (known.has(group)) continue;
    const some = [...known].sort().join(', ') || 'none';
    process.stderr.write(
      `pmproxy: warning: no manager mentions group "${group}" (groups in managers.toml: ${some})\n`,
    );
  }
}
