import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ApiError } from './errors.js';

export interface LoginLimits {
  /** Failed logins allowed per address within `windowSeconds`. */
  readonly failures: number;
  readonly windowSeconds: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { failures: 10, windowSeconds: 15 * 60 };

/**
 * Counts failed logins per client address; once an address used up its failures, its logins are
 * refused with 429 until the window passes, before any password is checked (password guessing then
 * costs the guesser time, not the server argon2 work).
 */
export class LoginLimiter {
  readonly #failures: RateLimiterMemory;

  constructor(readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS) {
    this.#failures = new RateLimiterMemory({ points: limits.failures, duration: limits.windowSeconds });
  }

  /** Throws 429 when `ip` has no failed attempts left. */
  async admit(ip: string): Promise<void> {
    const state = await this.#failures.get(ip);
    if (state !== null && state.consumedPoints >= this.limits.failures) throw tooMany(state);
  }

  async failed(ip: string): Promise<void> {
    try {
      await this.#failures.consume(ip);
    } catch (err) {
      if (err instanceof RateLimiterRes) return; // already over: admit() refuses the next one
      throw err;
    }
  }

  async succeeded(ip: string): Promise<void> {
    await this.#failures.delete(ip);
  }
}

function tooMany(state: RateLimiterRes): ApiError {
  const seconds = Math.max(1, Math.ceil(state.msBeforeNext / 1000));
  return new ApiError(
    429,
    'too_many_attempts',
    `too many failed logins from this address; try again in ${seconds} s`,
    {},
    { 'Retry-After': String(seconds) },
  );
}
