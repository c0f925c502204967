import { hashPassword } from '../../auth/passwords.js';
import { promptPassword, readLineFromStdin } from '../read-password.js';
import { UsageError } from '../usage-error.js';
import { MIN_PASSWORD_LENGTH, USER_NAME, USER_NAME_HINT } from '../../users/rules-for-names.js';
import type { AdminContext } from './context.js';
import type { AdminFlags } from './dispatch.js';

/** Users of `[sqlDB]`, kept in the store with argon2 hashes. */
export async function userCommand(
  ctx: AdminContext,
  verb: string,
  args: string[],
  flags: AdminFlags,
): Promise<number> {
  const store = ctx.services.store;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  if (verb === 'ls') {
    const users = store.listUsers();
    if (flags.json)
      say(JSON.stringify(users.map(({ name, displayName, groups }) => ({ name, displayName, groups }))));
    else for (const u of users) say(`${u.name}\t${u.displayName}\t${u.groups.join(',')}`);
    return 0;
  }
  const [user, ...more] = args;
  if (user === undefined) throw new UsageError(`user ${verb}: which user?`);
  if (!USER_NAME.test(user)) throw new UsageError(`"${user}" is not a user name (${USER_NAME_HINT})`);
  if (!ctx.config.userDBs.some((db) => db.kind === 'sqlDB')) {
    process.stderr.write('pmproxy: warning: managers.toml has no [sqlDB]; no rule can use these users yet\n');
  }
  const existing = store.getUser(user);
  const readPass = () =>
    flags.passwordStdin ? readLineFromStdin() : promptPassword(`Password for ${user}: `);
  switch (verb) {
    case 'add': {
      if (existing !== undefined) {
        process.stderr.write(`pmproxy: user "${user}" exists; use 'user passwd' or 'user groups'\n`);
        return 1;
      }
      const pass = await readPass();
      if (pass.length < MIN_PASSWORD_LENGTH) {
        process.stderr.write(`pmproxy: a password needs at least ${MIN_PASSWORD_LENGTH} characters\n`);
        return 1;
      }
      store.putUser({ name: user, passwordHash: await hashPassword(pass), displayName: flags.name ?? user });
      store.setGroups(user, flags.groups);
      say(`added ${user}${flags.groups.length > 0 ? ` in ${flags.groups.join(', ')}` : ''}`);
      return 0;
    }
    case 'passwd': {
      if (existing === undefined) return noSuchUser(user);
      const pass = await readPass();
      if (pass.length < MIN_PASSWORD_LENGTH) {
        process.stderr.write(`pmproxy: a password needs at least ${MIN_PASSWORD_LENGTH} characters\n`);
        return 1;
      }
      store.putUser({ name: user, passwordHash: await hashPassword(pass) });
      say(`changed the password of ${user}`);
      return 0;
    }
    case 'del': {
      if (!store.deleteUser(user)) return noSuchUser(user);
      const closed = ctx.services.sessions.closeUser(user);
      say(`deleted ${user}${closed > 0 ? ` and closed ${closed} session(s)` : ''}`);
      return 0;
    }
    case 'groups': {
      if (existing === undefined) return noSuchUser(user);
      const groups = [...flags.groups, ...more];
      if (groups.length > 0) store.setGroups(user, groups);
      say(`${user}: ${(groups.length > 0 ? groups : existing.groups).join(', ') || '(no groups)'}`);
      return 0;
    }
    default:
      throw new UsageError(`unknown action "user ${verb}"`);
  }
}

function noSuchUser(user: string): number {
  process.stderr.write(`pmproxy: no user "${user}" in the store\n`);
  return 1;
}
