import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword } from '../../src/auth/passwords.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { UserDirectoryImpl } from '../../src/users/directory.js';
import { mapDBKind, type MapDBConfig } from '../../src/users/map-db.js';
import { sqlDBKind } from '../../src/users/sql-db.js';
import type { UserDB } from '../../src/users/types.js';
import type { TomlTable } from '../../src/config/table-reader.js';
import { messages, reader, tempDir } from './identity-fixtures.js';

const dummyStore = SqliteStore.open(':memory:');
after(() => dummyStore.close());

function parseMap(values: TomlTable) {
  const { table, issues } = reader(values, 'mapDB');
  const config = mapDBKind.parse(table);
  return {
    config,
    issues,
    errors: messages(issues),
    warnings: issues.warnings.map((w) => `${w.path}: ${w.message}`),
  };
}

function mapDB(values: TomlTable): UserDB {
  const { config, errors } = parseMap(values);
  assert.deepEqual(errors, []);
  return mapDBKind.create(config as MapDBConfig, dummyStore);
}

describe('mapDB', () => {
  it('loads the pmproxy README table (userGroup spelling, plaintext) and warns about each plaintext password', async () => {
    const { config, errors, warnings } = parseMap({
      name: 'map',
      userPass: { user0: 'pass0', user1: 'pass1' },
      userGroup: { user0: ['group0'], user1: ['group1', 'group0'] },
    });
    assert.deepEqual(errors, []);
    assert.equal(warnings.length, 2);
    assert.match(
      warnings[0] ?? '',
      /^mapDB\.userPass\.user0: is a plaintext password.*pmproxy hash-password/u,
    );
    assert.match(warnings[1] ?? '', /^mapDB\.userPass\.user1: /u);
    const db = mapDBKind.create(config as MapDBConfig, dummyStore);
    assert.equal(db.name, 'map');
    assert.equal(db.kind, 'mapDB');
    assert.equal(await db.verify('user0', 'pass0'), true);
    assert.equal(await db.verify('user0', 'pass1'), false);
    assert.equal(await db.verify('user0', 'pass00'), false, 'a longer password is compared safely');
    assert.equal(await db.verify('user0', ''), false);
    assert.deepEqual(db.groups('user1'), ['group1', 'group0']);
  });

  it('accepts the code’s spelling userGroups too, but not both spellings at once', () => {
    const ok = parseMap({ name: 'm', userPass: { a: 'p' }, userGroups: { a: ['g'] } });
    assert.deepEqual(ok.errors, []);
    assert.deepEqual(ok.config?.userGroups.get('a'), ['g']);
    const both = parseMap({
      name: 'm',
      userPass: { a: 'p' },
      userGroup: { a: ['g'] },
      userGroups: { a: ['h'] },
    });
    assert.deepEqual(both.errors, ['mapDB: give only one of userGroup, userGroups']);
  });

  it('accepts argon2 hashes without a warning and verifies them', async () => {
    const db = mapDB({
      name: 'm',
      userPass: { ana: await hashPassword('ana-pass') },
      userGroup: { ana: ['g'] },
    });
    assert.equal(await db.verify('ana', 'ana-pass'), true);
    assert.equal(await db.verify('ana', 'wrong'), false);
    const { warnings } = parseMap({ name: 'm', userPass: { ana: await hashPassword('x') } });
    assert.deepEqual(warnings, []);
  });

  it('answers false for an unknown user, by the constant-time path, with plaintext or hashed tables', async () => {
    const plain = mapDB({ name: 'm', userPass: { a: 'secret' } });
    assert.equal(await plain.verify('nobody', 'secret'), false);
    assert.equal(await plain.verify('', ''), false);
    const hashed = mapDB({ name: 'm', userPass: { a: await hashPassword('secret') } });
    assert.equal(await hashed.verify('nobody', 'secret'), false);
  });

  it('gives a user without groups no groups, and a user with groups but no password groups and a warning', async () => {
    const { config, errors, warnings } = parseMap({
      name: 'm',
      userPass: { lone: 'p' },
      userGroup: { ghost: ['g'] },
    });
    assert.deepEqual(errors, []);
    assert.ok(
      warnings.some((w) => /^mapDB\.userGroup\.ghost: has groups but no password/u.test(w)),
      warnings.join('\n'),
    );
    const db = mapDBKind.create(config as MapDBConfig, dummyStore);
    assert.deepEqual(db.groups('lone'), []);
    assert.deepEqual(db.groups('ghost'), ['g']);
    assert.equal(await db.verify('ghost', ''), false);
    assert.equal(db.groups('nobody'), undefined);
    assert.equal(db.displayName('nobody'), undefined);
  });

  it('takes display names from the optional displayName table, else the user name', () => {
    const db = mapDB({ name: 'm', userPass: { a: 'p', b: 'q' }, displayName: { a: 'Ana Pérez' } });
    assert.equal(db.displayName('a'), 'Ana Pérez');
    assert.equal(db.displayName('b'), 'b');
  });

  it('reports every mistake with its key path', () => {
    const { config, errors } = parseMap({
      userPass: { a: 7, b: '', c: '$argon2id$v=19$broken' },
      userGroup: { a: 'g', b: ['ok', 3] },
      colour: 'blue',
    });
    assert.equal(config, undefined);
    assert.deepEqual(errors, [
      'mapDB.name: is required',
      'mapDB.userPass.a: must be a string, not 7',
      'mapDB.userPass.b: must not be empty',
      'mapDB.userPass.c: looks like an argon2 hash but is not a valid one; replace it with the output of `pmproxy hash-password` (an argon2 hash)',
      'mapDB.userGroup.a: must be a list of strings, not "g"',
      'mapDB.userGroup.b[1]: must be a string, not 3',
      'mapDB.colour: unknown key',
    ]);
  });
});

describe('sqlDB', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  let admin: SqliteStore;
  let db: UserDB;

  before(async () => {
    tmp = tempDir();
    store = SqliteStore.open(tmp.dbPath);
    admin = SqliteStore.open(tmp.dbPath);
    const { table, issues } = reader({ name: 'local' }, 'sqlDB');
    const config = sqlDBKind.parse(table);
    assert.deepEqual(messages(issues), []);
    assert.ok(config !== undefined);
    db = sqlDBKind.create(config, store);
    admin.putUser({ name: 'dave', passwordHash: await hashPassword('dave-pass'), displayName: 'Dave' });
    admin.setGroups('dave', ['staff']);
  });
  after(() => {
    admin.close();
    store.close();
    tmp.cleanup();
  });

  it('verifies users kept in the store, answering false for unknown ones', async () => {
    assert.equal(db.name, 'local');
    assert.equal(db.kind, 'sqlDB');
    assert.equal(await db.verify('dave', 'dave-pass'), true);
    assert.equal(await db.verify('dave', 'nope'), false);
    assert.equal(await db.verify('nobody', 'dave-pass'), false);
    assert.deepEqual(db.groups('dave'), ['staff']);
    assert.equal(db.displayName('dave'), 'Dave');
    assert.equal(db.groups('nobody'), undefined);
  });

  it('sees at once what the admin CLI changes in the same file', async () => {
    admin.setGroups('dave', ['staff', 'admins']);
    assert.deepEqual(db.groups('dave'), ['staff', 'admins']);
    admin.putUser({ name: 'dave', passwordHash: await hashPassword('new-pass') });
    assert.equal(await db.verify('dave', 'dave-pass'), false);
    assert.equal(await db.verify('dave', 'new-pass'), true);
    admin.deleteUser('dave');
    assert.equal(db.groups('dave'), undefined);
  });

  it('reports a missing name and unknown keys', () => {
    const { table, issues } = reader({ path: 'x.db' }, 'sqlDB');
    assert.equal(sqlDBKind.parse(table), undefined);
    assert.deepEqual(messages(issues), ['sqlDB.name: is required', 'sqlDB.path: unknown key']);
  });
});

describe('UserDirectoryImpl', () => {
  it('finds databases by name and refuses two with one name', () => {
    const a = mapDB({ name: 'a', userPass: { x: 'y' } });
    const b = mapDB({ name: 'b', userPass: { x: 'y' } });
    const dir = new UserDirectoryImpl([a]).add(b);
    assert.equal(dir.get('a'), a);
    assert.equal(dir.get('b'), b);
    assert.equal(dir.get('c'), undefined);
    assert.deepEqual(dir.names(), ['a', 'b']);
    assert.throws(() => dir.add(mapDB({ name: 'a', userPass: {} })), /two user databases are named "a"/u);
  });
});
