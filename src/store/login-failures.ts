/**
 * Failed password attempts as the store keeps them, so the admin CLI (another process) sees and
 * lifts the lockouts of a running server, and a restart does not forgive a guesser. Two counters
 * per attempt: one for the (user, address) pair and one for the address alone. Times are epoch ms.
 */
export interface FailureCount {
  /** The user name as typed; undefined for the address's own counter. */
  readonly user: string | undefined;
  readonly ip: string;
  readonly failures: number;
  /** When the count's window ends and it is forgotten. */
  readonly expires: number;
}

export interface FailureLimits {
  readonly perUser: number;
  readonly perAddress: number;
  readonly windowMs: number;
}

export type Reservation =
  | { readonly taken: true }
  /** A counter is at its limit: `count` is the one that refused (the pair's when both are). */
  | { readonly taken: false; readonly count: FailureCount };

export interface LoginFailures {
  /**
   * Counts one attempt against the pair and the address, in one transaction, unless either is at
   * its limit already. The point is taken before the password is checked; give it back with
   * `release` (the attempt was not made) or `succeeded` (the password was right).
   */
  reserve(user: string, ip: string, limits: FailureLimits, now: number): Reservation;
  /** Gives back the point of an attempt that was never checked. */
  release(user: string, ip: string, now: number): void;
  /** Clears the pair's failures and gives back the address's point of this attempt. */
  succeeded(user: string, ip: string, now: number): void;
  /** Counts of the pair and the address after a failure (what the log reports). */
  counts(user: string, ip: string, now: number): { readonly pair: number; readonly address: number };
  /** Forgets every count of this address, or of this user at every address; how many were dropped. */
  unlock(addressOrUser: { ip: string } | { user: string }): number;
  /** Counts at their limit, soonest to end first. */
  lockouts(limits: FailureLimits, now: number): FailureCount[];
  /** Drops counts whose window ended. */
  prune(now: number): void;
}
