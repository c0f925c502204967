import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { SqliteStore } from '../../src/store/sqlite.js';
import { openDatabase } from '../../src/store/sqlite-open.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { tempDir } from './identity-fixtures.js';

const run = promisify(execFile);
const HOUR = 3_600_000;

describe('SqliteStore', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;

  before(() => {
    tmp = tempDir();
    store = SqliteStore.open(tmp.dbPath);
  });
  after(() => {
    store.close();
    tmp.cleanup();
  });

  it('creates the parent folders and the schema, in WAL mode, recording the schema version', () => {
    assert.ok(existsSync(tmp.dbPath));
    assert.equal(store.getMeta('schema_version'), String(MIGRATIONS.length));
    const raw = openDatabase(tmp.dbPath, { readonly: true });
    try {
      assert.equal(raw.prepare('PRAGMA journal_mode').pluck().get(), 'wal');
      const tables = raw
        .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .all();
      assert.deepEqual(
        tables.map((t) => t.name),
        [
          'consumption',
          'daily_consumption',
          'file_versions',
          'group_quota_overrides',
          'login_failures',
          'meta',
          'sessions',
          'user_groups',
          'users',
        ],
      );
    } finally {
      raw.close();
    }
  });

  describe('users', () => {
    it('adds a user with their name as display name, and keeps groups in the order given, once each', () => {
      store.putUser({ name: 'ana', passwordHash: 'h1' });
      store.setGroups('ana', ['staff', 'students', 'staff']);
      assert.deepEqual(store.getUser('ana'), {
        name: 'ana',
        displayName: 'ana',
        passwordHash: 'h1',
        groups: ['staff', 'students'],
      });
    });

    it('replaces the hash of an existing user, keeping the display name unless a new one is given', () => {
      store.putUser({ name: 'bo', passwordHash: 'h1', displayName: 'Bo Diddley' });
      store.putUser({ name: 'bo', passwordHash: 'h2' });
      assert.equal(store.getUser('bo')?.passwordHash, 'h2');
      assert.equal(store.getUser('bo')?.displayName, 'Bo Diddley');
      store.putUser({ name: 'bo', passwordHash: 'h3', displayName: 'Bo' });
      assert.equal(store.getUser('bo')?.displayName, 'Bo');
    });

    it('replaces groups, and refuses groups for a user that does not exist', () => {
      store.putUser({ name: 'cy', passwordHash: 'h' });
      store.setGroups('cy', ['a', 'b']);
      store.setGroups('cy', ['c']);
      assert.deepEqual(store.getUser('cy')?.groups, ['c']);
      store.setGroups('cy', []);
      assert.deepEqual(store.getUser('cy')?.groups, []);
      assert.throws(() => store.setGroups('nobody', ['a']), /no user "nobody"/u);
    });

    it('deletes a user with their groups; a user added again under that name starts without groups', () => {
      store.putUser({ name: 'dee', passwordHash: 'h' });
      store.setGroups('dee', ['g']);
      assert.equal(store.deleteUser('dee'), true);
      assert.equal(store.deleteUser('dee'), false);
      assert.equal(store.getUser('dee'), undefined);
      store.putUser({ name: 'dee', passwordHash: 'h' });
      assert.deepEqual(store.getUser('dee')?.groups, []);
    });

    it('lists users sorted by name, each with their groups', () => {
      const list = store.listUsers();
      assert.deepEqual(
        list.map((u) => u.name),
        [...list.map((u) => u.name)].sort(),
      );
      assert.deepEqual(list.find((u) => u.name === 'ana')?.groups, ['staff', 'students']);
    });
  });

  describe('sessions', () => {
    const at = (manager: string, ip: string, user: string, t = 1000) => ({
      manager,
      ip,
      user,
      openedAt: t,
      lastSeen: t,
    });

    it('keeps one user per address and one address per user within a manager, not across managers', () => {
      store.putSession(at('s', '10.0.0.1', 'ana'));
      store.putSession(at('other', '10.0.0.1', 'bo'));
      store.putSession(at('s', '10.0.0.2', 'ana')); // ana moves: 10.0.0.1 is gone
      assert.deepEqual(
        store.listSessions('s').map((s) => [s.ip, s.user]),
        [['10.0.0.2', 'ana']],
      );
      store.putSession(at('s', '10.0.0.2', 'cy', 2000)); // cy takes the address: ana is gone
      assert.deepEqual(
        store.listSessions('s').map((s) => [s.ip, s.user]),
        [['10.0.0.2', 'cy']],
      );
      assert.deepEqual(
        store.listSessions('other').map((s) => [s.ip, s.user]),
        [['10.0.0.1', 'bo']],
      );
    });

    it('touches lastSeen forward only, and deletes by address or by user', () => {
      store.putSession(at('t', '10.0.1.1', 'ana', 5000));
      store.putSession(at('u', '10.0.1.1', 'ana', 5000));
      store.putSession(at('t', '10.0.1.2', 'bo', 5000));
      store.touchSessions([
        { manager: 't', ip: '10.0.1.1', lastSeen: 9000 },
        { manager: 't', ip: '10.0.1.2', lastSeen: 4000 },
        { manager: 't', ip: '10.9.9.9', lastSeen: 9000 },
      ]);
      const t = new Map(store.listSessions('t').map((s) => [s.ip, s]));
      assert.equal(t.get('10.0.1.1')?.lastSeen, 9000);
      assert.equal(t.get('10.0.1.2')?.lastSeen, 5000);
      assert.equal(t.get('10.0.1.1')?.openedAt, 5000);

      assert.equal(store.deleteSession('t', '10.0.1.2'), true);
      assert.equal(store.deleteSession('t', '10.0.1.2'), false);
      assert.equal(store.deleteUserSessions('ana', 'u'), 1);
      assert.equal(store.listSessions('t').length, 1);
      assert.equal(store.deleteUserSessions('ana'), 1);
      assert.deepEqual(store.listSessions('t'), []);
    });
  });

  describe('consumption', () => {
    it('adds deltas in one transaction and returns the totals of the users touched', () => {
      const c0 = 100 * HOUR;
      assert.deepEqual(
        store.addConsumption(
          'down',
          c0,
          new Map([
            ['ana', 10],
            ['bo', 5],
          ]),
        ),
        new Map([
          ['ana', 10],
          ['bo', 5],
        ]),
      );
      assert.deepEqual(store.addConsumption('down', c0, new Map([['ana', 7]])), new Map([['ana', 17]]));
      assert.deepEqual(
        store.consumption('down', c0),
        new Map([
          ['ana', 17],
          ['bo', 5],
        ]),
      );
    });

    it('restarts a row of an older cycle at its delta, and counts rows of older cycles as 0', () => {
      const c1 = 124 * HOUR;
      assert.deepEqual(store.addConsumption('down', c1, new Map([['ana', 3]])), new Map([['ana', 3]]));
      assert.deepEqual(
        store.consumption('down', c1),
        new Map([['ana', 3]]),
        'bo is still in the old cycle: 0',
      );
      assert.deepEqual(
        store.consumption('down', 0),
        new Map([
          ['ana', 3],
          ['bo', 5],
        ]),
      );
    });

    it('drops a delta for a cycle older than the stored one (that cycle is over)', () => {
      const totals = store.addConsumption('down', 100 * HOUR, new Map([['ana', 1000]]));
      assert.deepEqual(totals, new Map([['ana', 3]]));
      assert.deepEqual(store.consumption('down', 124 * HOUR), new Map([['ana', 3]]));
    });

    it('sets a count (a reset to 0 stays 0) and keeps managers apart', () => {
      store.setConsumption('down', 'ana', 124 * HOUR, 0);
      store.setConsumption('up', 'ana', 124 * HOUR, 42);
      assert.deepEqual(store.consumption('down', 124 * HOUR), new Map([['ana', 0]]));
      assert.deepEqual(store.consumption('up', 124 * HOUR), new Map([['ana', 42]]));
    });

    it('refuses negative or fractional byte counts', () => {
      assert.throws(() => store.addConsumption('down', 0, new Map([['ana', -1]])), RangeError);
      assert.throws(() => store.setConsumption('down', 'ana', 0, 1.5), RangeError);
    });
  });

  it('keeps small named values', () => {
    assert.equal(store.getMeta('token.key'), undefined);
    store.setMeta('token.key', 'abc');
    store.setMeta('token.key', 'def');
    assert.equal(store.getMeta('token.key'), 'def');
  });
});

describe('SqliteStore shared by the server and the admin CLI', () => {
  it('shows each instance the other one’s writes on the same file, and everything after reopening', () => {
    const tmp = tempDir();
    try {
      const server = SqliteStore.open(tmp.dbPath);
      const admin = SqliteStore.open(tmp.dbPath);
      admin.putUser({ name: 'eve', passwordHash: 'h' });
      admin.setGroups('eve', ['g']);
      assert.deepEqual(server.getUser('eve')?.groups, ['g']);
      server.putSession({ manager: 's', ip: '10.1.1.1', user: 'eve', openedAt: 1, lastSeen: 1 });
      assert.equal(admin.listSessions('s')[0]?.user, 'eve');
      server.addConsumption('down', 0, new Map([['eve', 500]]));
      admin.setConsumption('down', 'eve', 0, 0);
      assert.deepEqual(server.addConsumption('down', 0, new Map([['eve', 1]])), new Map([['eve', 1]]));
      admin.close();
      server.close();
      server.close(); // closing twice is harmless

      const reopened = SqliteStore.open(tmp.dbPath);
      try {
        assert.equal(reopened.getUser('eve')?.name, 'eve');
        assert.equal(reopened.listSessions().length, 1);
        assert.deepEqual(reopened.consumption('down', 0), new Map([['eve', 1]]));
      } finally {
        reopened.close();
      }
    } finally {
      tmp.cleanup();
    }
  });

  it('survives the collection of every connection and statement it ever made (Node 24.19+ headers)', async () => {
    // Built against Node 24.19+ headers, better-sqlite3 12 aborts the process when the collector
    // finalizes one of its objects (see sqlite-open.ts). A child opens and drops stores, then
    // allocates until the collector has run many times; it must exit 0.
    const tmp = tempDir();
    try {
      const module = pathToFileURL(join(import.meta.dirname, '../../src/store/sqlite.ts')).href;
      const { stdout } = await run(process.execPath, [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { SqliteStore } = await import(${JSON.stringify(module)});
         for (let i = 0; i < 20; i++) {
           const s = SqliteStore.open(i % 2 ? ':memory:' : ${JSON.stringify(tmp.dbPath)});
           s.addConsumption('down', 0, new Map([['ann', 1]]));
           s.atomically(() => s.setMeta('k', String(i)));
           if (i % 4 !== 3) s.close();
         }
         let junk = [];
         for (let i = 0; i < 3e6; i++) junk.push({ i });
         junk = null;
         console.log('collected');`,
      ]);
      assert.equal(stdout.trim(), 'collected');
    } finally {
      tmp.cleanup();
    }
  });

  it('loses no count when another process writes the same rows at the same time', async () => {
    const tmp = tempDir();
    const store = SqliteStore.open(tmp.dbPath);
    try {
      const module = pathToFileURL(join(import.meta.dirname, '../../src/store/sqlite.ts')).href;
      const child = run(process.execPath, [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { SqliteStore } = await import(${JSON.stringify(module)});
         const s = SqliteStore.open(${JSON.stringify(tmp.dbPath)});
         for (let i = 0; i < 300; i++) s.addConsumption('down', 0, new Map([['ann', 1]]));
         s.close();`,
      ]);
      // Write for as long as the child lives, so both processes write while the other does.
      let childDone = false;
      const finished = child.finally(() => (childDone = true));
      let mine = 0;
      while (!childDone) {
        store.addConsumption('down', 0, new Map([['ann', 1]]));
        mine += 1;
        await yieldToLoop();
      }
      await finished;
      assert.deepEqual(store.consumption('down', 0), new Map([['ann', mine + 300]]));
    } finally {
      store.close();
      tmp.cleanup();
    }
  });

  it('refuses a store written by a newer pmproxy, saying so', () => {
    const tmp = tempDir();
    try {
      const store = SqliteStore.open(tmp.dbPath);
      store.setMeta('schema_version', String(MIGRATIONS.length + 1));
      store.close();
      assert.throws(() => SqliteStore.open(tmp.dbPath), /newer than this pmproxy knows/u);
    } finally {
      tmp.cleanup();
    }
  });

  it('opens in memory for tests', () => {
    const store = SqliteStore.open(':memory:');
    store.putUser({ name: 'm', passwordHash: 'h' });
    assert.equal(store.listUsers().length, 1);
    store.close();
  });
});
