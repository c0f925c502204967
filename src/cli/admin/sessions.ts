import { CommandError } from '../command-error.js';
import { isIP } from 'node:net';
import { normalizeIp } from '../../util/ip.js';
import { UsageError } from '../usage-error.js';
import { controlSocketPath, sessionManagersOf, type AdminContext } from './context.js';
import { askServer } from './ask-server.js';
import type { SessionRecord } from '../../store/types.js';
import type { AdminFlags } from './dispatch.js';

/** Sessions of sessionIPM managers; opening one by hand serves admins and tests. */
export async function sessionCommand(
  ctx: AdminContext,
  verb: string,
  args: string[],
  flags: AdminFlags,
): Promise<number> {
  const sessions = ctx.services.sessions;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  switch (verb) {
    case 'ls': {
      const query =
        flags.manager === undefined ? '' : `?${new URLSearchParams({ manager: flags.manager }).toString()}`;
      const asked = await askServer(controlSocketPath(ctx.config), 'GET', `/v1/sessions${query}`);
      if (!asked.ok) {
        process.stderr.write(
          'pmproxy: no server runs on this store: sessions from the store, whose activity times a server writes every [api] persistInterval\n',
        );
      }
      const list = asked.ok ? (asked.body as SessionRecord[]) : sessions.list(flags.manager);
      if (flags.json) say(JSON.stringify(list));
      else {
        for (const s of list) {
          say(
            `${s.manager}\t${s.ip}\t${s.user}\topened ${new Date(s.openedAt).toISOString()}\tlast seen ${new Date(s.lastSeen).toISOString()}`,
          );
        }
        if (list.length === 0) say('(no sessions)');
      }
      return 0;
    }
    case 'open': {
      const [user, ip] = args;
      if (user === undefined || ip === undefined) throw new UsageError('session open USER IP');
      if (isIP(ip) === 0) throw new UsageError(`"${ip}" is not an IP address`);
      const candidates = sessionManagersOf(ctx, flags.manager);
      const manager = candidates[0];
      if (manager === undefined) {
        process.stderr.write('pmproxy: managers.toml has no [[sessionIPM]]\n');
        return 1;
      }
      if (candidates.length > 1) {
        throw new UsageError(
          `several sessionIPM managers (${candidates.map((m) => m.name).join(', ')}): pick one with --manager`,
        );
      }
      const db = manager.auth;
      if (ctx.services.users.get(db)?.groups(user) === undefined) {
        throw new CommandError(`no such user "${user}" in user database "${db}"`);
      }
      const opened = sessions.open(manager.name, db, normalizeIp(ip), user);
      say(`${manager.name}: ${opened.user} logged in at ${opened.ip}`);
      return 0;
    }
    case 'close': {
      const [who] = args;
      if (who === undefined) throw new UsageError('session close IP|USER');
      let closed = 0;
      if (isIP(who) !== 0) {
        const ip = normalizeIp(who);
        const names =
          flags.manager !== undefined ? [flags.manager] : sessionManagersOf(ctx).map((m) => m.name);
        for (const name of names) if (sessions.close(name, ip)) closed += 1;
      } else {
        closed = sessions.closeUser(who, flags.manager);
      }
      if (closed === 0) {
        process.stderr.write(`pmproxy: no session for ${who}\n`);
        return 1;
      }
      say(`closed ${closed} session(s) of ${who}`);
      return 0;
    }
    default:
      throw new UsageError(`unknown action "session ${verb}"`);
  }
}
