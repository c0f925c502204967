import type { Meter, Pacer, Route } from '../managers/types.js';

/** One manager that evaluation reached, with what it answered. */
export interface TraceEntry {
  readonly name: string;
  readonly kind: string;
  readonly match: boolean | undefined;
  readonly reason?: string;
  readonly quotaExhausted?: boolean;
  readonly resetsAt?: Date;
  /** The manager's description, when configured: what people read. */
  readonly description?: string;
}

export interface Decision {
  readonly allow: boolean;
  /** "true", "false", or the residual rule when some answers could not be known (discovery). */
  readonly result: string;
  /** Reached managers in evaluation order. */
  readonly trace: readonly TraceEntry[];
  /** Quotas to charge: every reached metering manager. */
  readonly meters: readonly Meter[];
  readonly pacers: readonly Pacer[];
  /** Leases of reached managers (sessions): the flow stops when one ends. Absent when none. */
  readonly leases?: readonly Meter[];
  /** The first reached routing manager's route, if any. */
  readonly route?: Route;
  /** A reached proxyAuth said no for lack of valid credentials: answer 407 with this realm. */
  readonly challenge?: string;
  /** The user that reached managers recognised (session or proxy credentials), if any. */
  readonly user?: string;
}

/** A surface asks the policy for a named rule's decision. */
export interface Policy {
  decide(ruleName: string, ctx: import('../managers/types.js').RequestContext): Decision | Promise<Decision>;
}
