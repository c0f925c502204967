import type Router from '@koa/router';
import type { Context } from 'koa';
import { hashPassword } from '../../auth/passwords.js';
import type { Store, StoredUser } from '../../store/types.js';
import { listAllUsers, type ListedUser } from '../../users/all-users.js';
import { MIN_PASSWORD_LENGTH, USER_NAME, USER_NAME_HINT } from '../../users/rules-for-names.js';
import { fields, stringField, stringListField } from '../body.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, badRequest, notFound } from '../errors.js';
import { requireAdmin } from '../guards.js';

const publicUser = (u: StoredUser, db: string): ListedUser => ({
  name: u.name,
  displayName: u.displayName,
  groups: [...u.groups],
  db,
  kind: 'sqlDB',
  readOnly: false,
});

/**
 * Users of every user database, for admins; those of a `[sqlDB]` (the store) may be added, changed
 * and deleted, those written in managers.toml are read-only.
 */
export function userRoutes(router: Router, deps: ApiDeps): void {
  const everyone = (): ListedUser[] => listAllUsers(deps.users());
  /** The `[sqlDB]` that new users go to and whose users change; 409 when there is none. */
  const sqlStore = async (ctx: Context): Promise<{ store: Store; admin: string; db: string }> => {
    const admin = await requireAdmin(ctx, deps);
    const db = deps.config().userDBs.find((d) => d.kind === 'sqlDB');
    if (db === undefined) {
      throw new ApiError(
        409,
        'read_only',
        'the configuration has no [sqlDB]: its users are in managers.toml',
      );
    }
    return { store: deps.services.store, admin: admin.claims.user, db: db.name };
  };
  /** A user of the store; 409 for one of a read-only database, 404 for nobody. */
  const existing = (store: Store, name: string): StoredUser => {
    const user = store.getUser(name);
    if (user !== undefined) return user;
    const elsewhere = everyone().find((u) => u.name === name);
    if (elsewhere !== undefined) {
      throw new ApiError(
        409,
        'read_only',
        `"${name}" is a user of ${elsewhere.kind} "${elsewhere.db}" in managers.toml, which pmproxy does not change`,
      );
    }
    throw notFound(`no such user "${name}"`);
  };

  router.get('/api/users', async (ctx) => {
    await requireAdmin(ctx, deps);
    ctx.body = everyone();
  });

  router.get('/api/users/:name', async (ctx) => {
    await requireAdmin(ctx, deps);
    const name = ctx.params['name'] ?? '';
    const found = everyone().find((u) => u.name === name);
    if (found === undefined) throw notFound(`no such user "${name}"`);
    ctx.body = found;
  });

  router.post('/api/users', async (ctx) => {
    const { store, admin, db } = await sqlStore(ctx);
    const body = fields(ctx);
    const name = stringField(body, 'name', true);
    if (!USER_NAME.test(name)) throw badRequest(`"${name}" is not a user name (${USER_NAME_HINT})`);
    const pass = checkedPassword(stringField(body, 'pass', true));
    const groups = stringListField(body, 'groups') ?? [];
    const displayName = stringField(body, 'displayName') ?? name;
    const taken = everyone().find((u) => u.name === name);
    if (taken !== undefined) {
      throw new ApiError(409, 'conflict', `user "${name}" exists in ${taken.kind} "${taken.db}"`);
    }
    store.putUser({ name, passwordHash: await hashPassword(pass), displayName });
    store.setGroups(name, groups);
    deps.services.log.info('user added by an admin', { user: name, groups, admin });
    ctx.status = 201;
    ctx.body = publicUser(existing(store, name), db);
  });

  router.patch('/api/users/:name', async (ctx) => {
    const { store, admin, db } = await sqlStore(ctx);
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
    ctx.body = publicUser(existing(store, name), db);
  });

  router.delete('/api/users/:name', async (ctx) => {
    const { store, admin } = await sqlStore(ctx);
    const name = ctx.params['name'] ?? '';
    existing(store, name);
    store.deleteUser(name);
    const closed = deps.services.sessions.closeUser(name);
    deps.services.log.info('user deleted by an admin', { user: name, closedSessions: closed, admin });
    ctx.status = 204;
  });

  router.get('/api/groups', async (ctx) => {
    await requireAdmin(ctx, deps);
    const members = new Map<string, string[]>();
    for (const user of everyone()) {
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
