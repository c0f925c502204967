import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SessionRegistryImpl } from '../../src/sessions/registry.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { ManualClock } from '../../src/util/clock.js';
import { tempDir } from './identity-fixtures.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('SessionRegistryImpl', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  let clock: ManualClock;
  let sessions: SessionRegistryImpl;

  beforeEach(() => {
    tmp = tempDir();
    store = SqliteStore.open(tmp.dbPath);
    clock = new ManualClock('2024-03-01T08:00:00Z');
    sessions = new SessionRegistryImpl(store, clock);
    sessions.configure('s', 'users', { idleTimeout: 30 * MIN, lifetime: 12 * HOUR });
  });
  afterEach(() => {
    store.close();
    tmp.cleanup();
  });

  it('opens a session, writes it through to the store and finds it at its address only', () => {
    const opened = sessions.open('s', 'users', '10.0.0.1', 'ana');
    assert.deepEqual(opened, {
      manager: 's',
      ip: '10.0.0.1',
      user: 'ana',
      openedAt: clock.now().getTime(),
      lastSeen: clock.now().getTime(),
    });
    assert.equal(sessions.lookup('s', '10.0.0.1')?.user, 'ana');
    assert.equal(sessions.lookup('s', '10.0.0.2'), undefined);
    assert.equal(sessions.lookup('other', '10.0.0.1'), undefined);
    assert.deepEqual(
      store.listSessions().map((s) => [s.manager, s.ip, s.user]),
      [['s', '10.0.0.1', 'ana']],
    );
  });

  it('keeps sessions across a restart (store closed and reopened)', () => {
    sessions.open('s', 'users', '10.0.0.1', 'ana');
    clock.advance(5 * MIN);
    sessions.lookup('s', '10.0.0.1');
    sessions.flush();
    store.close();

    store = SqliteStore.open(tmp.dbPath);
    const restarted = new SessionRegistryImpl(store, clock);
    restarted.configure('s', 'users', { idleTimeout: 30 * MIN, lifetime: 12 * HOUR });
    const found = restarted.lookup('s', '10.0.0.1');
    assert.equal(found?.user, 'ana');
    assert.equal(restarted.userAt('10.0.0.1', 'users'), 'ana');
    assert.equal(
      store.listSessions()[0]?.lastSeen,
      clock.now().getTime(),
      'lastSeen was flushed before the restart',
    );
  });

  it('ends a session idle for longer than the idle timeout, and removes it from the store', () => {
    sessions.open('s', 'users', '10.0.0.1', 'ana');
    clock.advance(29 * MIN);
    assert.ok(sessions.lookup('s', '10.0.0.1'), 'still live at 29 min; the lookup restarts the idle time');
    clock.advance(29 * MIN);
    assert.ok(sessions.lookup('s', '10.0.0.1'), 'live 29 min after the last request');
    clock.advance(30 * MIN + 1);
    assert.equal(sessions.lookup('s', '10.0.0.1'), undefined);
    assert.deepEqual(store.listSessions(), []);
  });

  it('ends a session at its absolute lifetime however busy it is', () => {
    sessions.open('s', 'users', '10.0.0.1', 'ana');
    for (let m = 20; m <= 12 * 60; m += 20) {
      clock.advance(20 * MIN);
      assert.ok(sessions.lookup('s', '10.0.0.1'), `live after ${m} min`);
    }
    clock.advance(1);
    assert.equal(sessions.lookup('s', '10.0.0.1'), undefined);
    assert.equal(sessions.userAt('10.0.0.1', 'users'), undefined);
    assert.deepEqual(store.listSessions(), []);
  });

  it('treats 0 as no limit', () => {
    sessions.configure('forever', 'users', { idleTimeout: 0, lifetime: 0 });
    sessions.open('forever', 'users', '10.0.0.1', 'ana');
    clock.advance(1000 * HOUR);
    assert.equal(sessions.lookup('forever', '10.0.0.1')?.user, 'ana');
  });

  it('moves a user who logs in at a new address: the old address has no session any more', () => {
    sessions.open('s', 'users', '10.0.0.1', 'ana');
    sessions.open('s', 'users', '10.0.0.2', 'ana');
    assert.equal(sessions.lookup('s', '10.0.0.1'), undefined);
    assert.equal(sessions.lookup('s', '10.0.0.2')?.user, 'ana');
    assert.deepEqual(
      store.listSessions().map((s) => s.ip),
      ['10.0.0.2'],
    );
  });

  it('gives an address to the last user who logged in there', () => {
    sessions.open('s', 'users', '10.0.0.1', 'ana');
    sessions.open('s', 'users', '10.0.0.1', 'bo');
    assert.equal(sessions.lookup('s', '10.0.0.1')?.user, 'bo');
    assert.deepEqual(
      sessions.list().map((s) => s.user),
      ['bo'],
    );
  });

  it('finds the user at an address through any manager configured with that user DB', () => {
    sessions.configure('t', 'ldap', { idleTimeout: 0, lifetime: 0 });
    sessions.configure('u', 'users', { idleTimeout: 0, lifetime: 0 });
    sessions.open('t', 'ldap', '10.0.0.1', 'ana');
    assert.equal(sessions.userAt('10.0.0.1', 'users'), undefined);
    assert.equal(sessions.userAt('10.0.0.1', 'ldap'), 'ana');
    sessions.open('u', 'users', '10.0.0.1', 'bo');
    assert.equal(sessions.userAt('10.0.0.1', 'users'), 'bo');
  });

  it('closes by address and by user, counting what it closed', () => {
    sessions.configure('u', 'users', { idleTimeout: 0, lifetime: 0 });
    sessions.open('s', 'users', '10.0.0.1', 'ana');
    sessions.open('u', 'users', '10.0.0.9', 'ana');
    sessions.open('s', 'users', '10.0.0.2', 'bo');
    assert.equal(sessions.close('s', '10.0.0.2'), true);
    assert.equal(sessions.close('s', '10.0.0.2'), false);
    assert.equal(sessions.closeUser('ana', 'u'), 1);
    assert.equal(sessions.lookup('s', '10.0.0.1')?.user, 'ana');
    assert.equal(sessions.closeUser('ana'), 1);
    assert.equal(sessions.closeUser('ana'), 0);
    assert.deepEqual(store.listSessions(), []);
  });

  it('lists live sessions only', () => {
    sessions.open('s', 'users', '10.0.0.1', 'ana');
    clock.advance(20 * MIN);
    sessions.open('s', 'users', '10.0.0.2', 'bo');
    clock.advance(20 * MIN);
    assert.deepEqual(
      sessions.list('s').map((s) => s.user),
      ['bo'],
    );
    assert.deepEqual(
      store.listSessions().map((s) => s.user),
      ['bo'],
    );
  });

  it('writes lastSeen to the store on flush, not on every lookup', () => {
    const opened = sessions.open('s', 'users', '10.0.0.1', 'ana');
    clock.advance(MIN);
    sessions.lookup('s', '10.0.0.1');
    assert.equal(store.listSessions()[0]?.lastSeen, opened.lastSeen);
    sessions.flush();
    assert.equal(store.listSessions()[0]?.lastSeen, opened.lastSeen + MIN);
  });

  it('picks up sessions the admin CLI opens and closes in another process', () => {
    const cliStore = SqliteStore.open(tmp.dbPath);
    try {
      const cli = new SessionRegistryImpl(cliStore, clock);
      cli.configure('s', 'users', { idleTimeout: 30 * MIN, lifetime: 12 * HOUR });
      assert.equal(sessions.lookup('s', '10.0.0.5'), undefined);

      cli.open('s', 'users', '10.0.0.5', 'cy');
      sessions.flush();
      assert.equal(sessions.lookup('s', '10.0.0.5')?.user, 'cy', 'seen after the server’s flush');

      cli.close('s', '10.0.0.5');
      clock.advance(1000);
      assert.equal(sessions.lookup('s', '10.0.0.5'), undefined, 'a lookup a second later sees the close');
    } finally {
      cliStore.close();
    }
  });

  it('keeps activity seen in memory when reloading after another process’s change', () => {
    const cliStore = SqliteStore.open(tmp.dbPath);
    try {
      sessions.open('s', 'users', '10.0.0.1', 'ana');
      clock.advance(10 * MIN);
      sessions.lookup('s', '10.0.0.1');
      new SessionRegistryImpl(cliStore, clock).open('s', 'users', '10.0.0.2', 'bo');
      sessions.flush();
      assert.equal(sessions.lookup('s', '10.0.0.2')?.user, 'bo');
      const ana = store.listSessions().find((s) => s.user === 'ana');
      assert.equal(ana?.lastSeen, clock.now().getTime());
    } finally {
      cliStore.close();
    }
  });
});
