import type { FailureCount, FailureLimits } from '../store/login-failures.js';
import type { Store } from '../store/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

/**
 * rate-limiter-flexible's login recipe, kept in the store: failures per (user, address) stop one
 * account's guessing early; failures per address, ten times as many, stop an address guessing
 * across many accounts, while a building behind one NAT address keeps logging in when one person in
 * it guesses. A window of 15 minutes from the first failure, as the API has always said.
 */
export const DEFAULT_LOGIN_LIMITS: FailureLimits = { perUser: 10, perAddress: 100, windowMs: 15 * 60_000 };

/** Where the password was typed: the log says so, the counts are shared. */
export type LoginSurface = 'api' | 'proxy';

export interface Lockout {
  readonly ok: false;
  readonly retryAfterSeconds: number;
  readonly message: string;
}

/** One attempt whose point is taken: exactly one of its methods is called once the check is over. */
export interface Attempt {
  readonly ok: true;
  succeeded(): void;
  failed(): void;
  /** The password was never checked (the gate was full, the check failed): no failure counts. */
  cancelled(): void;
}

/** How often, at most, windows that ended are swept from the store. */
const PRUNE_EVERY_MS = 60_000;

/**
 * Counts failed password checks against the limits before the check runs (an attempt in flight
 * counts, so parallel guesses cannot outrun the limit). Lives in the store: the admin CLI lifts
 * a running server's lockouts, and a restart keeps them.
 */
export class LoginLimiter {
  #nextPrune = 0;

  constructor(
    readonly store: Store,
    readonly clock: Clock,
    readonly log: Logger,
    readonly limits: FailureLimits = DEFAULT_LOGIN_LIMITS,
  ) {}

  /** Takes a point for `user` at `ip`, or says why not and for how long. */
  reserve(user: string, ip: string, surface: LoginSurface): Attempt | Lockout {
    const now = this.clock.now().getTime();
    this.#maybePrune(now);
    const logins = this.store.logins;
    const reservation = logins.reserve(user, ip, this.limits, now);
    if (!reservation.taken) return lockout(reservation.count, now);
    let settled = false;
    const once = (then: () => void) => () => {
      if (settled) return;
      settled = true;
      then();
    };
    return {
      ok: true,
      succeeded: once(() => logins.succeeded(user, ip, this.clock.now().getTime())),
      cancelled: once(() => logins.release(user, ip, this.clock.now().getTime())),
      failed: once(() => this.#failed(user, ip, surface)),
    };
  }

  /** Lifts the lockouts of an address (every user at it), or of a user (at every address). */
  unlock(who: { ip: string } | { user: string }): number {
    return this.store.logins.unlock(who);
  }

  lockouts(): FailureCount[] {
    return this.store.logins.lockouts(this.limits, this.clock.now().getTime());
  }

  #failed(user: string, ip: string, surface: LoginSurface): void {
    const now = this.clock.now().getTime();
    const { pair, address } = this.store.logins.counts(user, ip, now);
    this.log.warn('login failed', { user, ip, surface, failures: pair, addressFailures: address });
    const minutes = Math.round(this.limits.windowMs / 60_000);
    if (pair === this.limits.perUser) {
      this.log.warn('login locked out', { user, ip, failures: pair, window: `${minutes}m` });
    }
    if (address === this.limits.perAddress) {
      this.log.warn('login locked out for the whole address', {
        ip,
        failures: address,
        window: `${minutes}m`,
      });
    }
  }

  #maybePrune(now: number): void {
    if (now < this.#nextPrune) return;
    this.#nextPrune = now + PRUNE_EVERY_MS;
    this.store.logins.prune(now);
  }
}

function lockout(count: FailureCount, now: number): Lockout {
  const retryAfterSeconds = Math.max(1, Math.ceil((count.expires - now) / 1000));
  const who = count.user === undefined ? 'this address' : 'this user at this address';
  return {
    ok: false,
    retryAfterSeconds,
    message: `too many failed logins for ${who}; try again in ${retryAfterSeconds} s`,
  };
}
