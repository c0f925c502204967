import argon2 from 'argon2';

/**
 * argon2id with OWASP's minimum settings (19 MiB, 2 passes, 1 lane): about 25 ms per check on a
 * small server, so a cache miss in proxy authentication stays cheap while offline guessing is
 * still memory-hard. The settings travel inside each PHC string, so changing them later keeps old
 * hashes valid.
 */
export const HASH_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** An argon2 PHC string ready to store or paste into `[mapDB.userPass]`. */
export function hashPassword(pass: string): Promise<string> {
  return argon2.hash(pass, HASH_OPTIONS);
}

/** True when `pass` matches; false for a wrong password and for anything that is not a valid hash. */
export async function verifyPassword(hash: string, pass: string): Promise<boolean> {
  if (!isPhcHash(hash)) return false;
  try {
    return await argon2.verify(hash, pass);
  } catch {
    return false;
  }
}

/**
 * Spends the time of a real verification and answers false: the path for a user that does not
 * exist. `dummyHash` must carry the parameters of the database's real hashes (dummyHashLike).
 */
export async function verifyUnknownUser(dummyHash: string, pass: string): Promise<false> {
  await verifyPassword(dummyHash, pass);
  return false;
}

const B64 = /^[A-Za-z0-9+/]+$/u;
const PARAM = /^([mtp])=(\d{1,10})$/u;

/** The argon2 parameters of a PHC string, or undefined when it is not one. */
export function phcParams(s: string): { type: string; m: number; t: number; p: number } | undefined {
  const parts = s.split('$');
  // ['', 'argon2id', 'v=19', 'm=…,t=…,p=…', salt, hash]; the version field is optional in PHC.
  if (parts.length === 5) parts.splice(2, 0, 'v=16');
  if (parts.length !== 6 || parts[0] !== '') return undefined;
  const [, type = '', version = '', params = '', salt = '', digest = ''] = parts;
  if (type !== 'argon2id' && type !== 'argon2i' && type !== 'argon2d') return undefined;
  if (version !== 'v=16' && version !== 'v=19') return undefined;
  if (!B64.test(salt) || !B64.test(digest) || salt.length < 11 || digest.length < 6) return undefined;
  const found = new Map<string, number>();
  for (const param of params.split(',')) {
    const m = PARAM.exec(param);
    if (m === null || found.has(m[1] as string)) return undefined;
    found.set(m[1] as string, Number(m[2]));
  }
  const m = found.get('m');
  const t = found.get('t');
  const p = found.get('p');
  if (m === undefined || t === undefined || p === undefined || t < 1 || p < 1 || m < 8 * p) return undefined;
  return { type, m, t, p };
}

/** True for an argon2 PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`, parameters in any order). */
export function isPhcHash(s: string): boolean {
  return phcParams(s) !== undefined;
}
