import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { Store } from '../store/types.js';
import type { Clock } from '../util/clock.js';

/** Store meta key of the token signing key (base64url, 32 random bytes). */
export const TOKEN_KEY_META = 'api.tokenKey';

export interface TokenClaims {
  /** The user the session belongs to. */
  readonly user: string;
  /** The sessionIPM manager the session is in. */
  readonly manager: string;
  /** The client address the token was issued to. */
  readonly ip: string;
  /** Token id: the CSRF value of cookie logins is derived from it. */
  readonly id: string;
  readonly expires: Date;
}

export type TokenCheck =
  | { readonly ok: true; readonly claims: TokenClaims; readonly expired: boolean }
  | { readonly ok: false; readonly reason: string };

/**
 * Signs and checks login tokens (JWT, HS256). The key lives in the store, made on first use, so a
 * restart keeps everyone logged in (the Go original made a new RSA key at every start).
 */
export class TokenSigner {
  readonly #key: Uint8Array;

  constructor(
    store: Store,
    private readonly clock: Clock,
  ) {
    let encoded = store.getMeta(TOKEN_KEY_META);
    if (encoded === undefined) {
      encoded = randomBytes(32).toString('base64url');
      store.setMeta(TOKEN_KEY_META, encoded);
    }
    this.#key = Buffer.from(encoded, 'base64url');
  }

  sign(claims: Omit<TokenClaims, 'id'>): Promise<{ token: string; claims: TokenClaims }> {
    const id = randomBytes(16).toString('base64url');
    const issuedAt = Math.floor(this.clock.now().getTime() / 1000);
    const expires = Math.floor(claims.expires.getTime() / 1000);
    return new SignJWT({ mgr: claims.manager, ip: claims.ip })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.user)
      .setJti(id)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expires)
      .sign(this.#key)
      .then((token) => ({ token, claims: { ...claims, id, expires: new Date(expires * 1000) } }));
  }

  /** Checks the signature and the claims; an expired token is reported as such, with its claims. */
  async check(token: string): Promise<TokenCheck> {
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        algorithms: ['HS256'],
        // Expiry is judged below against our clock, so tests and renewals see the same time.
        currentDate: new Date(0),
      });
      const { sub, jti, exp, mgr, ip } = payload;
      if (
        typeof sub !== 'string' ||
        typeof jti !== 'string' ||
        typeof exp !== 'number' ||
        typeof mgr !== 'string' ||
        typeof ip !== 'string'
      ) {
        return { ok: false, reason: 'the token lacks claims' };
      }
      const expires = new Date(exp * 1000);
      const claims: TokenClaims = { user: sub, manager: mgr, ip, id: jti, expires };
      return { ok: true, claims, expired: expires.getTime() <= this.clock.now().getTime() };
    } catch (err) {
      if (err instanceof errors.JOSEError) return { ok: false, reason: 'the token is not valid' };
      throw err;
    }
  }

  /** The CSRF value that goes with a token: only someone who saw the login answer knows it. */
  csrfFor(claims: TokenClaims): string {
    return createHmac('sha256', this.#key).update(`csrf:${claims.id}`).digest('base64url');
  }

  csrfMatches(claims: TokenClaims, presented: string): boolean {
    const expected = Buffer.from(this.csrfFor(claims));
    const given = Buffer.from(presented);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
