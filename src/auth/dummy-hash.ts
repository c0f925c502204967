import { randomBytes } from 'node:crypto';
import { HASH_OPTIONS, phcParams } from './passwords.js';

/** PHC strings use base64 without padding. */
const b64 = (bytes: Buffer): string => bytes.toString('base64').replace(/=+$/u, '');

/**
 * A hash nobody's password matches, with the argon2 parameters (type, memory, passes, lanes,
 * output length) most of `hashes` use, so verifying it for a user that does not exist costs what
 * verifying a real user's does. Salt and output are random: argon2 runs in full and answers false.
 * Without hashes, the parameters `pmproxy hash-password` and `user add` use.
 */
export function dummyHashLike(hashes: Iterable<string>): string {
  const tally = new Map<string, number>();
  for (const hash of hashes) {
    const params = phcParams(hash);
    if (params === undefined) continue;
    const digest = hash.slice(hash.lastIndexOf('$') + 1);
    const shape = `${params.type}$v=19$m=${params.m},t=${params.t},p=${params.p}$${Math.floor((digest.length * 3) / 4)}`;
    tally.set(shape, (tally.get(shape) ?? 0) + 1);
  }
  let shape = `argon2id$v=19$m=${HASH_OPTIONS.memoryCost},t=${HASH_OPTIONS.timeCost},p=${HASH_OPTIONS.parallelism}$32`;
  let most = 0;
  for (const [candidate, count] of tally) {
    if (count > most) [shape, most] = [candidate, count];
  }
  const cut = shape.lastIndexOf('$');
  const length = Number(shape.slice(cut + 1));
  return `$${shape.slice(0, cut)}$${b64(randomBytes(16))}$${b64(randomBytes(length))}`;
}
