import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sessionIPM, type SessionIPMConfig } from '../../src/managers/session-ipm.js';
import type { Services } from '../../src/managers/types.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { mapDBKind, type MapDBConfig } from '../../src/users/map-db.js';
import { ManualClock } from '../../src/util/clock.js';
import { messages, reader, request, services, tempDir } from './identity-fixtures.js';

const MIN = 60_000;

function parse(values: Record<string, string>) {
  const { table, issues } = reader(values, 'sessionIPM[0]');
  return { config: sessionIPM.parse(table), errors: messages(issues), table, issues };
}

describe('sessionIPM configuration', () => {
  it('has the kind name of pmproxy', () => {
    assert.equal(sessionIPM.kind, 'sessionIPM');
  });

  it('reads name and auth, with an idle timeout of 30m and a lifetime of 12h by default', () => {
    const { config, errors } = parse({ name: 'sessions', auth: 'map' });
    assert.deepEqual(errors, []);
    assert.deepEqual(config, {
      name: 'sessions',
      auth: 'map',
      idleTimeout: 30 * MIN,
      lifetime: 12 * 60 * MIN,
    });
  });

  it('reads Go durations for both limits, "0" meaning none', () => {
    const { config } = parse({ name: 's', auth: 'map', idleTimeout: '1h30m', lifetime: '0' });
    assert.deepEqual(config, { name: 's', auth: 'map', idleTimeout: 90 * MIN, lifetime: 0 });
  });

  it('reports every mistake with its key path', () => {
    const { config, errors } = parse({
      name: 's',
      idleTimeout: '10 minutes',
      lifetime: '-1h',
      colour: 'blue',
    });
    assert.equal(config, undefined);
    assert.equal(errors.length, 4, errors.join('\n'));
    assert.equal(errors[0], 'sessionIPM[0].auth: is required');
    assert.match(errors[1] ?? '', /^sessionIPM\[0\]\.idleTimeout: "10 minutes" is not a duration/u);
    assert.match(errors[2] ?? '', /^sessionIPM\[0\]\.lifetime: must not be negative/u);
    assert.equal(errors[3], 'sessionIPM[0].colour: unknown key');
  });

  it('reports an auth that names no user database', () => {
    const { config, table, issues } = parse({ name: 's', auth: 'nowhere' });
    sessionIPM.check?.(config as SessionIPMConfig, { userDBs: new Set(['map']), managers: new Map() }, table);
    assert.deepEqual(messages(issues), [
      'sessionIPM[0].auth: names no user database "nowhere" (there is "map")',
    ]);
  });
});

describe('sessionIPM', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  let clock: ManualClock;
  let svc: Services;

  beforeEach(() => {
    tmp = tempDir();
    store = SqliteStore.open(tmp.dbPath);
    clock = new ManualClock('2024-03-01T08:00:00Z');
    const map = mapDBKind.parse(
      reader({ name: 'map', userPass: { ana: 'p' } }, 'mapDB').table,
    ) as MapDBConfig;
    svc = services(store, clock, [mapDBKind.create(map, store)]);
  });
  afterEach(() => {
    store.close();
    tmp.cleanup();
  });

  it('matches a client address with a live session and records its user for the user DB', () => {
    const manager = sessionIPM.create(
      { name: 'sessions', auth: 'map', idleTimeout: 30 * MIN, lifetime: 0 },
      svc,
    );
    assert.equal(manager.name, 'sessions');
    assert.equal(manager.kind, 'sessionIPM');

    const before = request('10.0.0.7', clock);
    assert.deepEqual(manager.test(before), { match: false, reason: 'no session for 10.0.0.7' });
    assert.equal(before.users.size, 0);

    svc.sessions.open('sessions', 'map', '10.0.0.7', 'ana');
    const ctx = request('10.0.0.7', clock);
    const verdict = manager.test(ctx);
    assert.ok(!(verdict instanceof Promise));
    assert.equal(verdict.match, true);
    assert.equal(ctx.users.get('map'), 'ana');
    assert.equal((manager.test(request('10.0.0.8', clock)) as { match: boolean }).match, false);
  });

  it('registers its limits once committed: the session ends after the idle timeout', () => {
    const manager = sessionIPM.create(
      { name: 'sessions', auth: 'map', idleTimeout: 30 * MIN, lifetime: 0 },
      svc,
    );
    svc.sessions.open('sessions', 'map', '10.0.0.9', 'bo');
    clock.advance(30 * MIN + 1);
    assert.equal(svc.sessions.userAt('10.0.0.9', 'map'), 'bo', 'created, not committed: no limits yet');
    manager.commit?.();
    svc.sessions.open('sessions', 'map', '10.0.0.7', 'ana');
    clock.advance(30 * MIN + 1);
    assert.deepEqual(manager.test(request('10.0.0.7', clock)), {
      match: false,
      reason: 'no session for 10.0.0.7',
    });
    assert.equal(svc.sessions.userAt('10.0.0.7', 'map'), undefined);
  });

  it('shows its settings, with durations as Go writes them', () => {
    const manager = sessionIPM.create(
      { name: 'sessions', auth: 'map', idleTimeout: 30 * MIN, lifetime: 12 * 60 * MIN },
      svc,
    );
    assert.deepEqual(manager.settings(), {
      name: 'sessions',
      auth: 'map',
      idleTimeout: '30m0s',
      lifetime: '12h0m0s',
    });
  });
});
