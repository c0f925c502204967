import type Router from '@koa/router';
import type { Context } from 'koa';
import { hasCapability } from '../../managers/capabilities.js';
import type { SessionManager } from '../login.js';
import type { DownloadQuota } from '../user-status.js';
import { formatSizeGo } from '../../util/size.js';
import { fields } from '../body.js';
import { callerIp, checkToken, type Caller } from '../caller.js';
import type { ApiDeps } from '../deps.js';
import { discover } from '../discovery.js';
import { ApiError } from '../errors.js';
import { isAdmin, requireRule } from '../guards.js';
import { logIn, renewToken } from '../login.js';
import { findUser, userStatus } from '../user-status.js';
import { CompatError, readEnvelope, stringError, type Envelope } from './envelope.js';

/** pmproxy's old name for the `rules` manager, still sent by ysantalla/proxy-login. */
const RULES_NAMES = new Set(['rules', 'resources']);

/**
 * POST /api/cmd: the Go original's single endpoint, so its clients keep working. Answers as it
 * did (raw token text, raw user name, JSON, or an empty body; failures 400 with its error objects),
 * with its bugs fixed: `set` stores what it is given (0 included), `renew` works for any token whose
 * session is open, `show` needs a login.
 */
export function compatRoutes(router: Router, deps: ApiDeps): void {
  router.post('/api/cmd', async (ctx) => {
    try {
      await run(ctx, deps, readEnvelope(fields(ctx)));
    } catch (err) {
      if (err instanceof CompatError) {
        ctx.status = 400;
        ctx.body = err.body;
        return;
      }
      if (err instanceof ApiError && err.status < 500) {
        ctx.status = 400;
        ctx.body = translate(err);
        return;
      }
      throw err;
    }
  });
}

async function run(ctx: Context, deps: ApiDeps, env: Envelope): Promise<void> {
  const ip = callerIp(ctx);
  if (RULES_NAMES.has(env.manager) && env.cmd === 'discover') {
    const found = await discover(deps, ip);
    const matchMng = Object.fromEntries(
      found.managers.map((m) => [m.name, { match: m.match, type: m.type }]),
    );
    ctx.body = { matchMng, result: found.result };
    return;
  }
  const manager = deps.managers().get(env.manager);
  if (manager !== undefined && hasCapability(manager, 'sessions'))
    return sessionCommand(ctx, deps, manager, env, ip);
  if (manager !== undefined && hasCapability(manager, 'downloadQuota'))
    return quotaCommand(ctx, deps, manager, env, ip);
  throw new CompatError({ Mng: env.manager, Cmd: env.cmd });
}

async function sessionCommand(
  ctx: Context,
  deps: ApiDeps,
  manager: SessionManager,
  env: Envelope,
  ip: string,
): Promise<void> {
  switch (env.cmd) {
    case 'open': {
      ctx.body = (await logIn(deps, manager, ip, env.user, env.pass)).token;
      return;
    }
    case 'close': {
      const caller = await loggedIn(deps, env, ip, true);
      deps.services.sessions.close(caller.claims.manager, ip);
      ctx.body = '';
      return;
    }
    case 'renew': {
      ctx.body = (await renewToken(deps, await loggedIn(deps, env, ip, true))).token;
      return;
    }
    case 'check':
      ctx.body = (await loggedIn(deps, env, ip)).claims.user;
      return;
    case 'get': {
      // Documented by the original but never routed (pmcl lu always failed): the logged-in users.
      await asAdmin(ctx, deps, env, ip);
      const sessions = deps.services.sessions.list(manager.name);
      ctx.body = Object.fromEntries(sessions.map((s) => [s.ip, s.user]));
      return;
    }
    default:
      throw new CompatError({ Mng: env.manager, Cmd: env.cmd });
  }
}

async function quotaCommand(
  ctx: Context,
  deps: ApiDeps,
  manager: DownloadQuota,
  env: Envelope,
  ip: string,
): Promise<void> {
  switch (env.cmd) {
    case 'get':
      ctx.body = userInfo(deps, manager, (await loggedIn(deps, env, ip)).claims.user);
      return;
    case 'getOther':
      await asAdmin(ctx, deps, env, ip);
      ctx.body = userInfo(deps, manager, env.infoUser);
      return;
    case 'set': {
      await asAdmin(ctx, deps, env, ip);
      if (env.infoBytes === undefined) throw stringError('info.bytesCons must be a whole number, 0 or more');
      if (findUser(deps, env.infoUser, manager.userDBN) === undefined) {
        throw stringError(`no user "${env.infoUser}"`);
      }
      manager.setConsumption(env.infoUser, env.infoBytes);
      ctx.body = '';
      return;
    }
    case 'show': {
      await loggedIn(deps, env, ip);
      const { name, userDBN, resetCycleMs, configuredGroupQuota: groupQuota } = manager;
      const quotas = Object.fromEntries(
        [...groupQuota].map(([group, bytes]) => [group, formatSizeGo(bytes)]),
      );
      ctx.body = { Name: name, UserDBN: userDBN, ResetCycle: resetCycleMs * 1e6, GroupQuota: quotas };
      return;
    }
    default:
      throw new CompatError({ Mng: env.manager, Cmd: env.cmd });
  }
}

/** pmproxy's UserInfo for `user` under `manager`. */
function userInfo(deps: ApiDeps, manager: DownloadQuota, user: string): Record<string, unknown> {
  const db = findUser(deps, user, manager.userDBN);
  if (db === undefined) throw stringError(`no user "${user}"`);
  const s = userStatus(deps, db, user, manager.name);
  return {
    userName: s.user,
    name: s.name,
    groups: s.groups,
    // The Go clients print these as they come: in the Go original's form.
    quota: s.bytesQuota === null ? null : formatSizeGo(s.bytesQuota),
    bytesQuota: s.bytesQuota,
    consumption: s.bytesCons === null ? null : formatSizeGo(s.bytesCons),
    bytesCons: s.bytesCons,
    isAdmin: s.isAdmin,
  };
}

async function loggedIn(deps: ApiDeps, env: Envelope, ip: string, allowExpired = false): Promise<Caller> {
  if (env.secret === '') throw stringError('empty JWT');
  return checkToken(deps, env.secret, ip, { allowExpired });
}

async function asAdmin(ctx: Context, deps: ApiDeps, env: Envelope, ip: string): Promise<Caller> {
  const caller = await loggedIn(deps, env, ip);
  if (!isAdmin(deps, caller.claims.user)) throw new CompatError({ User: caller.claims.user });
  await requireRule(ctx, deps, 'admin', caller);
  return caller;
}

/** Our errors in the shapes the original's clients parse. */
function translate(err: ApiError): Record<string, unknown> {
  switch (err.code) {
    case 'expired_token':
      return { message: 'expired token' };
    case 'bad_token':
    case 'no_token':
      return { message: 'invalid claims' };
    case 'session_closed':
      return { Logged: '', Decrypted: '' };
    case 'bad_credentials':
      return { message: 'Incorrect password' };
    case 'forbidden':
      return { Result: err.message };
    default:
      return { message: err.message };
  }
}
