import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import argon2 from 'argon2';
import { phcParams } from '../../src/auth/passwords.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { mapDBKind, type MapDBConfig } from '../../src/users/map-db.js';
import { sqlDBKind } from '../../src/users/sql-db.js';
import type { UserDB } from '../../src/users/types.js';
import { reader } from './identity-fixtures.js';

/** Heavier than pmproxy's own settings, as hashes made elsewhere may be. */
const HEAVY = { type: argon2.argon2id as 2, memoryCost: 32_768, timeCost: 3, parallelism: 2 };
const HEAVY_PARAMS = { type: 'argon2id', m: 32_768, t: 3, p: 2 };

function mapDB(userPass: Record<string, string>): UserDB & { dummyHash?: string } {
  const config = mapDBKind.parse(reader({ name: 'users', userPass }, 'mapDB').table) as MapDBConfig;
  return mapDBKind.create(config);
}

describe('an unknown user costs what a known one does', () => {
  const store = SqliteStore.open(':memory:');
  after(() => store.close());

  it("mapDB checks unknown users against a dummy hash with its own hashes' parameters", async () => {
    const db = mapDB({ alice: await argon2.hash('a', HEAVY), bob: await argon2.hash('b', HEAVY) });
    assert.ok(db.dummyHash !== undefined);
    assert.deepEqual(phcParams(db.dummyHash), HEAVY_PARAMS);
    assert.equal(await db.verify('mallory', 'a'), false);
    assert.equal(await db.verify('alice', 'a'), true);
  });

  it('mapDB with hashes runs argon2 for its plaintext users too; without hashes, none for anyone', async () => {
    const mixed = mapDB({ alice: await argon2.hash('a', HEAVY), carol: 'carol-pass' });
    assert.deepEqual(phcParams(mixed.dummyHash ?? ''), HEAVY_PARAMS);
    assert.equal(await mixed.verify('carol', 'carol-pass'), true);
    assert.equal(await mixed.verify('carol', 'wrong'), false);
    const plain = mapDB({ carol: 'carol-pass' });
    assert.equal(plain.dummyHash, undefined);
    assert.equal(await plain.verify('carol', 'carol-pass'), true);
    assert.equal(await plain.verify('nobody', 'carol-pass'), false);
  });

  it("sqlDB's dummy hash follows the store's users, made again when they change", async () => {
    const db = sqlDBKind.create({ name: 'local' }, store) as UserDB & { dummyHash(): string };
    store.putUser({ name: 'dave', passwordHash: await argon2.hash('d', HEAVY) });
    store.putUser({ name: 'erin', passwordHash: await argon2.hash('e', HEAVY) });
    assert.deepEqual(phcParams(db.dummyHash()), HEAVY_PARAMS);
    assert.equal(await db.verify('nobody', 'd'), false);
    assert.equal(await db.verify('dave', 'd'), true);
  });
});
