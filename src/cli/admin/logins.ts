import { LoginLimiter } from '../../auth/login-limiter.js';
import { lockoutTarget } from '../../auth/lockout-target.js';
import { UsageError } from '../usage-error.js';
import type { AdminContext } from './context.js';
import type { AdminFlags } from './dispatch.js';

/**
 * Failed-login lockouts. The counts live in the store, which the running server reads on every
 * login attempt, so an unlock applies to it at once.
 */
export function loginCommand(ctx: AdminContext, verb: string, args: string[], flags: AdminFlags): number {
  const limiter = new LoginLimiter(ctx.services.store, ctx.services.clock, ctx.services.log);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  switch (verb) {
    case 'ls': {
      if (args.length > 0) throw new UsageError('login ls takes no arguments');
      const lockouts = limiter.lockouts();
      if (flags.json) say(JSON.stringify(lockouts.map((l) => ({ ...l, user: l.user ?? null }))));
      else {
        for (const l of lockouts) {
          const who = l.user === undefined ? '(every user)' : l.user;
          say(`${l.ip}\t${who}\t${l.failures} failures\tuntil ${new Date(l.expires).toISOString()}`);
        }
        if (lockouts.length === 0) say('(no lockouts)');
      }
      return 0;
    }
    case 'unlock': {
      const [who, ...more] = args;
      if (who === undefined || more.length > 0) throw new UsageError('login unlock ADDRESS|USER');
      const lifted = limiter.unlock(lockoutTarget(who));
      if (lifted === 0) {
        process.stderr.write(`pmproxy: no failed logins recorded for ${who}\n`);
        return 1;
      }
      say(`cleared the failed logins of ${who}`);
      return 0;
    }
    default:
      throw new UsageError(`unknown action "login ${verb}"`);
  }
}
