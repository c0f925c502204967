import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import argon2 from 'argon2';
import { dummyHashLike } from '../../src/auth/dummy-hash.js';
import {
  HASH_OPTIONS,
  hashPassword,
  isPhcHash,
  phcParams,
  verifyPassword,
  verifyUnknownUser,
} from '../../src/auth/passwords.js';

describe('passwords', () => {
  it('hashes to an argon2id PHC string that verifies the right password only', async () => {
    const hash = await hashPassword('correct horse');
    assert.match(hash, /^\$argon2id\$v=19\$/u);
    assert.ok(isPhcHash(hash));
    assert.equal(await verifyPassword(hash, 'correct horse'), true);
    assert.equal(await verifyPassword(hash, 'correct horse '), false);
    assert.equal(await verifyPassword(hash, ''), false);
  });

  it('salts every hash', async () => {
    assert.notEqual(await hashPassword('same'), await hashPassword('same'));
  });

  it('answers false, never throws, for anything that is not a valid hash', async () => {
    const real = await hashPassword('pw');
    for (const bad of [
      '',
      'pw',
      '$argon2id$garbage',
      real.slice(0, -10),
      real.replace('m=', 'x='),
      '$2b$10$abcdefghijklmnopqrstuv',
    ]) {
      assert.equal(await verifyPassword(bad, 'pw'), false, bad);
    }
  });

  it('recognises PHC strings with parameters in any order, and nothing else', () => {
    assert.ok(isPhcHash('$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA'));
    assert.ok(isPhcHash('$argon2i$v=19$p=1,m=4096,t=3$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA'));
    assert.ok(
      isPhcHash('$argon2d$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA'),
      'version is optional',
    );
    assert.ok(!isPhcHash('$argon2id$v=19$m=19456,t=2$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA'), 'p missing');
    assert.ok(
      !isPhcHash('$argon2id$v=19$m=19456,t=2,p=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA'),
      'p twice',
    );
    assert.ok(!isPhcHash('$argon2x$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA'));
    assert.ok(!isPhcHash('$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFz!aGhhc2hoYXNoaGFzaA'));
    assert.ok(!isPhcHash('pass0'));
  });

  it('makes the dummy hash with the settings most real hashes use, and it verifies nothing', async () => {
    const heavy = {
      type: argon2.argon2id as 2,
      memoryCost: 32_768,
      timeCost: 3,
      parallelism: 2,
      hashLength: 48,
    };
    const hashes = [
      await argon2.hash('a', heavy),
      await argon2.hash('b', heavy),
      await hashPassword('c'),
      'not a hash',
    ];
    const dummy = dummyHashLike(hashes);
    assert.deepEqual(phcParams(dummy), { type: 'argon2id', m: 32_768, t: 3, p: 2 });
    const digest = (h: string) => Buffer.from(h.slice(h.lastIndexOf('$') + 1), 'base64').length;
    assert.equal(digest(dummy), 48, 'the same output length as the real hashes');
    assert.notEqual(dummyHashLike(hashes), dummy, 'a fresh salt each time');
    assert.deepEqual(phcParams(dummyHashLike([])), {
      type: 'argon2id',
      m: HASH_OPTIONS.memoryCost,
      t: HASH_OPTIONS.timeCost,
      p: HASH_OPTIONS.parallelism,
    });
    assert.equal(await verifyUnknownUser(dummy, 'a'), false);
    assert.equal(await verifyUnknownUser(dummy, ''), false);
  });
});
