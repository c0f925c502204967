import type { UserDB } from '../users/types.js';
import type { LoginLimiter, LoginSurface } from './login-limiter.js';
import type { VerifyGate } from './verify-gate.js';

export type PasswordOutcome =
  | { readonly kind: 'right' }
  | { readonly kind: 'wrong' }
  /** Too many failures: refused without checking. */
  | { readonly kind: 'locked'; readonly retryAfterSeconds: number; readonly message: string }
  /** The gate's queue is full: refused without checking, and without counting. */
  | { readonly kind: 'busy'; readonly message: string };

export interface PasswordChecker {
  readonly limiter: LoginLimiter;
  readonly gate: VerifyGate;
  /** How long a refusal for a lockout is held back (default LOCKED_ANSWER_DELAY_MS). */
  readonly lockedDelayMs?: number;
}

/**
 * A locked-out client is told so after this long, not at once: a flood of refused guesses then
 * costs the server one answer per connection per second instead of as many as the client can
 * send, which leaves the CPU to everyone else's logins. Busy answers are never held back.
 */
export const LOCKED_ANSWER_DELAY_MS = 1000;

export const BUSY_MESSAGE = 'too many password checks in progress; try again in a moment';

/**
 * The one way a password typed by a client is checked (API and session logins, proxy Basic
 * credentials): the attempt is counted first, then verified behind the gate. Answers at once,
 * without a Promise, when the gate is full.
 */
export function checkPassword(
  checker: PasswordChecker,
  db: UserDB,
  attempt: {
    readonly user: string;
    readonly pass: string;
    readonly ip: string;
    readonly surface: LoginSurface;
  },
): PasswordOutcome | Promise<PasswordOutcome> {
  const { user, pass, ip, surface } = attempt;
  // Asked before the point is taken, so a full queue costs the store nothing.
  if (!checker.gate.hasRoom(ip)) return { kind: 'busy', message: BUSY_MESSAGE };
  const reserved = checker.limiter.reserve(user, ip, surface);
  if (!reserved.ok) {
    const locked: PasswordOutcome = { kind: 'locked', ...withoutOk(reserved) };
    const delay = checker.lockedDelayMs ?? LOCKED_ANSWER_DELAY_MS;
    return delay > 0 ? later(delay, locked) : locked;
  }
  // Nothing ran between hasRoom and here (both synchronous): the gate takes it.
  const verifying = checker.gate.tryRun(ip, () => db.verify(user, pass));
  if (verifying === undefined) {
    reserved.cancelled();
    return { kind: 'busy', message: BUSY_MESSAGE };
  }
  return verifying.then(
    (right): PasswordOutcome => {
      if (right) reserved.succeeded();
      else reserved.failed();
      return { kind: right ? 'right' : 'wrong' };
    },
    (err: unknown) => {
      reserved.cancelled();
      throw err;
    },
  );
}

function later<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(resolve, ms, value).unref());
}

function withoutOk(lockout: { retryAfterSeconds: number; message: string }) {
  return { retryAfterSeconds: lockout.retryAfterSeconds, message: lockout.message };
}
