import type { UserDB } from '../users/types.js';
import type { Clock } from '../util/clock.js';
import { parseBasic } from './basic-credentials.js';

export type CredentialCheck =
  | { readonly ok: true; readonly user: string }
  | { readonly ok: false; readonly problem: 'missing' | 'malformed' | 'wrong' };

export interface CredentialCacheOptions {
  /** How long a verified header is trusted without argon2 again. */
  readonly successTtlMs?: number;
  /** How long the same wrong header is answered "wrong" without argon2 again (a flood costs one hash). */
  readonly failureTtlMs?: number;
  /** Most headers remembered; the oldest is forgotten first. */
  readonly maxEntries?: number;
}

interface Entry {
  /** The answer, made once and handed out on every hit (callers only read it). */
  readonly check: CredentialCheck;
  readonly expires: number;
}

const WRONG: CredentialCheck = { ok: false, problem: 'wrong' };

/**
 * Remembers Proxy-Authorization values already verified against one user DB, so a keep-alive client
 * pays argon2 once, not per request. Keys are the header values themselves: they hold passwords, so
 * they stay in this process's memory only (never logged, never stored), and a lookup costs a string
 * hash instead of an HMAC per request. A failure is remembered only as a failure, for a shorter
 * time; concurrent checks of one header share one verification.
 */
export class CredentialCache {
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<CredentialCheck>>();
  readonly #successTtl: number;
  readonly #failureTtl: number;
  readonly #max: number;

  constructor(
    readonly db: UserDB,
    options: CredentialCacheOptions = {},
  ) {
    this.#successTtl = options.successTtlMs ?? 60_000;
    this.#failureTtl = options.failureTtlMs ?? 5_000;
    this.#max = options.maxEntries ?? 10_000;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Synchronous when the header is missing, malformed or remembered; a Promise when argon2 must run. */
  check(header: string | undefined, clock: Clock): CredentialCheck | Promise<CredentialCheck> {
    if (header === undefined) return { ok: false, problem: 'missing' };
    const key = header;
    const now = clock.now().getTime();
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      if (hit.expires > now) return hit.check;
      this.#entries.delete(key);
    }
    const creds = parseBasic(header);
    if (!creds.ok) return creds;
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return pending;
    const verifying = this.db.verify(creds.user, creds.pass).then(
      (good): CredentialCheck => {
        this.#remember(key, good ? creds.user : undefined, clock);
        return good ? { ok: true, user: creds.user } : { ok: false, problem: 'wrong' };
      },
      (): CredentialCheck => ({ ok: false, problem: 'wrong' }),
    );
    const settled = verifying.finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, settled);
    return settled;
  }

  /** Forgets everything (a password changed and must apply now). */
  clear(): void {
    this.#entries.clear();
  }

  #remember(key: string, user: string | undefined, clock: Clock): void {
    const ttl = user === undefined ? this.#failureTtl : this.#successTtl;
    if (ttl <= 0) return;
    this.#entries.delete(key);
    while (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    // Expiry counts from when the answer is known, by the clock the caller judges requests with.
    const check: CredentialCheck = user === undefined ? WRONG : { ok: true, user };
    this.#entries.set(key, { check, expires: clock.now().getTime() + ttl });
  }
}

const caches = new WeakMap<UserDB, CredentialCache>();

/**
 * The cache of one user DB object. Keyed by the object, so a reload (new UserDB objects) starts
 * afresh, and two gateways in one process never trust each other's users.
 */
export function credentialCacheFor(db: UserDB): CredentialCache {
  let cache = caches.get(db);
  if (cache === undefined) {
    cache = new CredentialCache(db);
    caches.set(db, cache);
  }
  return cache;
}
