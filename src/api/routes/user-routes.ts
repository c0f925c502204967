import type Router from '@koa/router';
import type { Context } from 'koa';
import { hashPassword } from '../../auth/passwords.js';
import type { Store, StoredUser } from '../../store/types.js';
import { MIN_PASSWORD_LENGTH, USER_NAME, USER_NAME_HINT } from '../../users/rules-for-names.js';
import { fields, stringField, stringListField } from '../body.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, badRequest, notFound } from '../errors.js';
import { requireAdmin } from '../guards.js';

const publicUser = (u: StoredUser) => ({ name: u.name, displayName: u.displayName, groups: [...u.groups] });

/** Users and groups of the `[sqlDB]` user database, for admins. */
export function userRoutes(router: Router, deps: ApiDeps): void {
  /** The store behind `[sqlDB]`; 404 when the configuration has none (then the users are in TOML). */
  const sqlStore = async (ctx: Context): Promise<{ store: Store; admin: string }> => {
    const admin = await requireAdmin(ctx, deps);
    if (!deps.config().userDBs.some((db) => db.kind === 'sqlDB')) {
      throw notFound('the configuration has no [sqlDB]: its users are in managers.toml');
    }
    return { store: deps.services.store, admin: admin.claims.user };
  };
  const existing = (store: Store, name: string): StoredUser => {
    const user = store.getUser(name);
    if (user === undefined) throw notFound(`no user "${name}"`);
    return user;
  };

  router.get('/api/users', async (ctx) => {
    const { store } = await sqlStore(ctx);
    ctx.body = store.listUsers().map(publicUser);
  });

  router.get('/api/users/:name', async (ctx) => {
    const { store } = await sqlStore(ctx);
    ctx.body = publicUser(existing(store, ctx.params['name'] ?? ''));
  });

  router.post('/api/users', async (ctx) => {
    const { store, admin } = await sqlStore(ctx);
    const body = fields(ctx);
    const name = stringField(body, 'name', true);
    if (!USER_NAME.test(name)) throw badRequest(`"${name}" is not a user name (${USER_NAME_HINT})`);
    const pass = checkedPassword(stringField(body, 'pass', true));
    const groups = stringListField(body, 'groups') ?? [];
    const displayName = stringField(body, 'displayName') ?? name;
    if (store.getUser(name) !== undefined) throw new ApiError(409, 'conflict', `user "${name}" exists`);
    store.putUser({ name, passwordHash: await hashPassword(pass), displayName });
    store.setGroups(name, groups);
    deps.services.log.info('user added by an admin', { user: name, groups, admin });
    ctx.status = 201;
    ctx.body = publicUser(existing(store, name));
  });

  router.patch('/api/users/:name', async (ctx) => {
    const { store, admin } = await sqlStore(ctx);
    const name = ctx.params['name'] ?? '';
    const before = existing(store, name);
    const body = fields(ctx);
    const pass = stringField(body, 'pass');
    const groups = stringListField(body, 'groups');
    const displayName = stringField(body, 'displayName');
    if (pass === undefined && groups === undefined && displayName === undefined) {
      throw badRequest('nothing to change: give pass, groups or displayName');
    }
    const passwordHash = pass === undefined ? before.passwordHash : await hashPassword(checkedPassword(pass));
    store.putUser(displayName === undefined ? { name, passwordHash } : { name, passwordHash, displayName });
    if (groups !== undefined) store.setGroups(name, groups);
    deps.services.log.info('user changed by an admin', {
      user: name,
      password: pass !== undefined,
      groups,
      admin,
    });
    ctx.body = publicUser(existing(store, name));
  });

  router.delete('/api/users/:name', async (ctx) => {
    const { store, admin } = await sqlStore(ctx);
    const name = ctx.params['name'] ?? '';
    if (!store.deleteUser(name)) throw notFound(`no user "${name}"`);
    const closed = deps.services.sessions.closeUser(name);
    deps.services.log.info('user deleted by an admin', { user: name, closedSessions: closed, admin });
    ctx.status = 204;
  });

  router.get('/api/groups', async (ctx) => {
    const { store } = await sqlStore(ctx);
    const members = new Map<string, string[]>();
    for (const user of store.listUsers()) {
      for (const group of user.groups) members.set(group, [...(members.get(group) ?? []), user.name]);
    }
    ctx.body = [...members]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, users]) => ({ name, members: users }));
  });
}

function checkedPassword(pass: string): string {
  if (pass.length < MIN_PASSWORD_LENGTH) {
    throw badRequest(`a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  return pass;
}
