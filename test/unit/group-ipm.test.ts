import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword } from '../../src/auth/passwords.js';
import { groupIPM, type GroupIPMConfig } from '../../src/managers/group-ipm.js';
import { userOf } from '../../src/managers/identity.js';
import { sessionIPM } from '../../src/managers/session-ipm.js';
import type { Manager, Services } from '../../src/managers/types.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { mapDBKind, type MapDBConfig } from '../../src/users/map-db.js';
import { ManualClock } from '../../src/util/clock.js';
import { basic, messages, reader, request, services, tempDir } from './identity-fixtures.js';

function parse(values: Record<string, string>) {
  const { table, issues } = reader(values, 'groupIPM[0]');
  return { config: groupIPM.parse(table), errors: messages(issues), table, issues };
}

describe('groupIPM configuration', () => {
  it('reads pmproxy’s keys name, group and userDBN', () => {
    assert.equal(groupIPM.kind, 'groupIPM');
    assert.deepEqual(parse({ name: 'g0', group: 'group0', userDBN: 'map' }).config, {
      name: 'g0',
      group: 'group0',
      userDBN: 'map',
    });
  });

  it('reports missing keys and keys pmproxy never had', () => {
    const { config, errors } = parse({ name: 'g0', userDB: 'map' });
    assert.equal(config, undefined);
    assert.deepEqual(errors, [
      'groupIPM[0].group: is required',
      'groupIPM[0].userDBN: is required',
      'groupIPM[0].userDB: unknown key',
    ]);
  });

  it('reports a userDBN that names no user database', () => {
    const { config, table, issues } = parse({ name: 'g0', group: 'x', userDBN: 'ad' });
    groupIPM.check?.(
      config as GroupIPMConfig,
      { userDBs: new Set(['map', 'local']), managers: new Map() },
      table,
    );
    assert.deepEqual(messages(issues), [
      'groupIPM[0].userDBN: names no user database "ad" (there is "map", "local")',
    ]);
  });
});

describe('groupIPM and userOf', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  let clock: ManualClock;
  let svc: Services;
  let sessions: Manager;
  let g0: Manager;
  let g1: Manager;

  before(async () => {
    tmp = tempDir();
    store = SqliteStore.open(tmp.dbPath);
    clock = new ManualClock('2024-03-01T08:00:00Z');
    const map = mapDBKind.parse(
      reader(
        {
          name: 'map',
          userPass: { user0: await hashPassword('pass0'), user1: await hashPassword('pass1') },
          userGroup: { user0: ['group0'], user1: ['group0', 'group1'] },
        },
        'mapDB',
      ).table,
    ) as MapDBConfig;
    svc = services(store, clock, [mapDBKind.create(map, store)]);
    sessions = sessionIPM.create({ name: 's0', auth: 'map', idleTimeout: 0, lifetime: 0 }, svc);
    g0 = groupIPM.create({ name: 'g0', group: 'group0', userDBN: 'map' }, svc);
    g1 = groupIPM.create({ name: 'g1', group: 'group1', userDBN: 'map' }, svc);
  });
  after(() => {
    store.close();
    tmp.cleanup();
  });

  it('s0 ∧ g0 ∧ ¬g1 (acceptance case 10): user1, in group0 and group1, is out; user0 is in', async () => {
    const allowed = async (ip: string) => {
      const ctx = request(ip, clock);
      return (
        (await sessions.test(ctx)).match === true &&
        (await g0.test(ctx)).match === true &&
        (await g1.test(ctx)).match === false
      );
    };
    svc.sessions.open('s0', 'map', '10.0.0.1', 'user0');
    svc.sessions.open('s0', 'map', '10.0.0.2', 'user1');
    assert.equal(await allowed('10.0.0.1'), true);
    assert.equal(await allowed('10.0.0.2'), false);
  });

  it('uses the user a reached manager recorded, before any session', () => {
    svc.sessions.open('s0', 'map', '10.0.0.3', 'user0');
    const ctx = request('10.0.0.3', clock);
    ctx.users.set('map', 'user1');
    assert.deepEqual(g1.test(ctx), { match: true, reason: 'user1 is in group1' });
    assert.equal(userOf(ctx, 'map', svc), 'user1');
  });

  it('finds the user of a session at the address without the sessionIPM in the rule, and remembers it', () => {
    svc.sessions.open('s0', 'map', '10.0.0.4', 'user0');
    const ctx = request('10.0.0.4', clock);
    assert.deepEqual(g1.test(ctx), { match: false, reason: 'user0 is not in group1' });
    assert.equal(ctx.users.get('map'), 'user0');
  });

  it('accepts valid proxy credentials for that user DB, verifying them when needed', async () => {
    const ctx = request('10.0.0.5', clock, basic('user1', 'pass1'));
    const verdict = g1.test(ctx);
    assert.ok(verdict instanceof Promise);
    assert.deepEqual(await verdict, { match: true, reason: 'user1 is in group1' });
    assert.equal(ctx.users.get('map'), 'user1');
    assert.equal(
      userOf(request('10.0.0.5', clock, basic('user1', 'pass1')), 'map', svc),
      'user1',
      'cached the second time',
    );
  });

  it('finds nobody without a session or valid credentials, or for another user DB', async () => {
    assert.deepEqual(await g0.test(request('10.0.0.6', clock)), {
      match: false,
      reason: 'no map user at 10.0.0.6',
    });
    assert.deepEqual(await g0.test(request('10.0.0.6', clock, basic('user1', 'nope'))), {
      match: false,
      reason: 'no map user at 10.0.0.6',
    });
    svc.sessions.open('s0', 'map', '10.0.0.7', 'user0');
    assert.equal(userOf(request('10.0.0.7', clock), 'ldap', svc), undefined);
  });

  it('shows its settings', () => {
    assert.deepEqual(g0.settings(), { name: 'g0', group: 'group0', userDBN: 'map' });
  });
});
