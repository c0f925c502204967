import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword } from '../../src/auth/passwords.js';
import { CredentialCache } from '../../src/auth/credential-cache.js';
import { LoginLimiter } from '../../src/auth/login-limiter.js';
import { VerifyGate } from '../../src/auth/verify-gate.js';
import { silentLogger } from '../../src/util/logger.js';
import { parseBasic } from '../../src/auth/basic-credentials.js';
import { proxyAuth, type ProxyAuthConfig } from '../../src/managers/proxy-auth.js';
import type { Manager, Services, Verdict } from '../../src/managers/types.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { mapDBKind, type MapDBConfig } from '../../src/users/map-db.js';
import type { UserDB } from '../../src/users/types.js';
import { ManualClock } from '../../src/util/clock.js';
import { basic, messages, reader, request, services, tempDir } from './identity-fixtures.js';

function parse(values: Record<string, string>) {
  const { table, issues } = reader(values, 'proxyAuth[0]');
  return { config: proxyAuth.parse(table), errors: messages(issues), table, issues };
}

function mapDB(store: SqliteStore, userPass: Record<string, string>): UserDB {
  return mapDBKind.create(
    mapDBKind.parse(reader({ name: 'users', userPass }, 'mapDB').table) as MapDBConfig,
    store,
  );
}

/** A real user DB that counts how often a password is actually checked. */
function counting(db: UserDB): UserDB & { calls: number } {
  const counted = {
    calls: 0,
    name: db.name,
    kind: db.kind,
    verify(user: string, pass: string) {
      counted.calls += 1;
      return db.verify(user, pass);
    },
    groups: (user: string) => db.groups(user),
    displayName: (user: string) => db.displayName(user),
    list: () => db.list(),
    readOnly: db.readOnly,
  };
  return counted;
}

describe('proxyAuth configuration', () => {
  it('reads name and auth, with realm "pmproxy" by default', () => {
    assert.equal(proxyAuth.kind, 'proxyAuth');
    assert.deepEqual(parse({ name: 'auth', auth: 'users' }).config, {
      name: 'auth',
      auth: 'users',
      realm: 'pmproxy',
    });
    assert.deepEqual(parse({ name: 'auth', auth: 'users', realm: 'Campus proxy' }).config, {
      name: 'auth',
      auth: 'users',
      realm: 'Campus proxy',
    });
  });

  it('refuses a realm that would break the header, a missing auth and unknown keys', () => {
    const { errors } = parse({ name: 'auth', realm: 'say "hi"\r\nX: y', user: 'x' });
    assert.deepEqual(errors, [
      'proxyAuth[0].auth: is required',
      'proxyAuth[0].realm: must be 1 to 100 printable ASCII characters without " or \\, not "say \\"hi\\"\\r\\nX: y"',
      'proxyAuth[0].user: unknown key',
    ]);
  });

  it('reports an auth that names no user database', () => {
    const { config, table, issues } = parse({ name: 'auth', auth: 'ldap' });
    proxyAuth.check?.(config as ProxyAuthConfig, { userDBs: new Set<string>(), managers: new Map() }, table);
    assert.deepEqual(messages(issues), [
      'proxyAuth[0].auth: names no user database "ldap" (define one with [mapDB] or [sqlDB])',
    ]);
  });
});

describe('proxyAuth', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  let clock: ManualClock;
  let svc: Services;
  let manager: Manager;

  before(async () => {
    tmp = tempDir();
    store = SqliteStore.open(tmp.dbPath);
    clock = new ManualClock('2024-03-01T08:00:00Z');
    svc = services(store, clock, [
      mapDB(store, { alice: await hashPassword('alice-pass'), bob: await hashPassword('b') }),
    ]);
    manager = proxyAuth.create({ name: 'auth', auth: 'users', realm: 'campus' }, svc);
  });
  after(() => {
    store.close();
    tmp.cleanup();
  });

  it('challenges a request without credentials, at once', () => {
    const verdict = manager.test(request('10.0.0.1', clock));
    assert.deepEqual(verdict, { match: false, reason: 'no proxy credentials', challenge: 'campus' });
    const bearer = manager.test(request('10.0.0.1', clock, 'Bearer abc'));
    assert.deepEqual(bearer, { match: false, reason: 'no proxy credentials', challenge: 'campus' });
  });

  it('challenges malformed Basic credentials, at once', () => {
    for (const header of [
      'Basic',
      'Basic !!!',
      `Basic ${Buffer.from('no-colon').toString('base64')}`,
      'Basic YQ',
    ]) {
      assert.deepEqual(manager.test(request('10.0.0.1', clock, header)), {
        match: false,
        reason: 'wrong proxy credentials',
        challenge: 'campus',
      });
    }
  });

  it('lets good credentials in, records the user, and then answers from the cache without argon2', async () => {
    const ctx = request('10.0.0.1', clock, basic('alice', 'alice-pass'));
    const first = manager.test(ctx);
    assert.ok(first instanceof Promise, 'the first time the password is verified');
    assert.equal((await first).match, true);
    assert.equal(ctx.users.get('users'), 'alice');

    const again = request('10.0.0.2', clock, basic('alice', 'alice-pass'));
    const cached = manager.test(again);
    assert.ok(!(cached instanceof Promise), 'a keep-alive client does not pay argon2 again');
    assert.equal(cached.match, true);
    assert.equal(again.users.get('users'), 'alice');

    clock.advance(61_000);
    assert.ok(
      manager.test(request('10.0.0.1', clock, basic('alice', 'alice-pass'))) instanceof Promise,
      'verified again after 60 s',
    );
  });

  it('refuses a wrong password and an unknown user, and never turns a failure into a success', async () => {
    await manager.test(request('10.0.0.1', clock, basic('alice', 'alice-pass')));
    const wrong = async (header: string) => {
      const ctx = request('10.0.0.1', clock, header);
      const verdict: Verdict = await manager.test(ctx);
      assert.deepEqual(verdict, { match: false, reason: 'wrong proxy credentials', challenge: 'campus' });
      assert.equal(ctx.users.size, 0);
    };
    await wrong(basic('alice', 'alice-pass '));
    await wrong(basic('alice', 'wrong'));
    await wrong(basic('alice', 'wrong'));
    await wrong(basic('mallory', 'alice-pass'));
    await wrong(basic('Alice', 'alice-pass'));
  });

  it('keeps two user databases of the same name apart (two gateways in one process)', async () => {
    const other = services(store, clock, [mapDB(store, { alice: 'another-pass' })]);
    const otherAuth = proxyAuth.create({ name: 'auth', auth: 'users', realm: 'campus' }, other);
    const header = basic('alice', 'alice-pass');
    assert.equal((await manager.test(request('10.0.0.1', clock, header))).match, true);
    assert.equal((await otherAuth.test(request('10.0.0.1', clock, header))).match, false);
  });

  it('shows its settings', () => {
    assert.deepEqual(manager.settings(), { name: 'auth', auth: 'users', realm: 'campus' });
  });
});

describe('CredentialCache', () => {
  const store = SqliteStore.open(':memory:');
  after(() => store.close());
  const clock = new ManualClock('2024-03-01T08:00:00Z');
  const checker = () => ({ limiter: new LoginLimiter(store, clock, silentLogger), gate: new VerifyGate() });

  it('shares one verification among concurrent requests with the same header', async () => {
    const db = counting(mapDB(store, { u: 'p' }));
    const cache = new CredentialCache(db, checker());
    const checks = [1, 2, 3].map(() => cache.check(basic('u', 'p'), '10.0.0.1', clock));
    assert.ok(checks.every((c) => c instanceof Promise));
    const results = await Promise.all(checks.map((c) => Promise.resolve(c)));
    assert.deepEqual(
      results,
      [1, 2, 3].map(() => ({ ok: true, user: 'u' })),
    );
    assert.equal(db.calls, 1);
  });

  it('remembers a failure as a failure for a short time only', async () => {
    const db = counting(mapDB(store, { u: 'p' }));
    const cache = new CredentialCache(db, checker(), { failureTtlMs: 5000 });
    assert.deepEqual(await cache.check(basic('u', 'x'), '10.0.0.1', clock), { ok: false, problem: 'wrong' });
    assert.deepEqual(cache.check(basic('u', 'x'), '10.0.0.1', clock), { ok: false, problem: 'wrong' });
    assert.equal(db.calls, 1, 'a flood of one wrong header costs one verification');
    clock.advance(5001);
    assert.deepEqual(await cache.check(basic('u', 'x'), '10.0.0.1', clock), { ok: false, problem: 'wrong' });
    assert.equal(db.calls, 2);
  });

  it('holds at most maxEntries headers, forgetting the oldest', async () => {
    const db = counting(mapDB(store, { a: '1', b: '2', c: '3' }));
    const cache = new CredentialCache(db, checker(), { maxEntries: 2 });
    for (const [u, p] of [
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ] as const)
      await cache.check(basic(u, p), '10.0.0.1', clock);
    assert.equal(cache.size, 2);
    assert.ok(cache.check(basic('a', '1'), '10.0.0.1', clock) instanceof Promise, 'the oldest was forgotten');
    assert.ok(!(cache.check(basic('c', '3'), '10.0.0.1', clock) instanceof Promise));
    cache.clear();
    assert.equal(cache.size, 0);
  });
});

describe('parseBasic', () => {
  it('splits at the first colon, so a password may contain colons, and accepts any case of "Basic"', () => {
    assert.deepEqual(parseBasic(basic('u', 'p:a:ss')), { ok: true, user: 'u', pass: 'p:a:ss' });
    assert.deepEqual(parseBasic(`bAsIc ${Buffer.from('ü:ñ').toString('base64')}`), {
      ok: true,
      user: 'ü',
      pass: 'ñ',
    });
    assert.deepEqual(parseBasic(basic('u', '')), { ok: true, user: 'u', pass: '' });
  });

  it('refuses an empty user and control characters in the user', () => {
    assert.deepEqual(parseBasic(basic('', 'p')), { ok: false, problem: 'malformed' });
    assert.deepEqual(parseBasic(basic('a\nb', 'p')), { ok: false, problem: 'malformed' });
    assert.deepEqual(parseBasic(undefined), { ok: false, problem: 'missing' });
  });
});
