import type { Meter, Pacer, RequestContext, Route } from '../../src/managers/types.js';
import type { Decision, Policy, TraceEntry } from '../../src/rules/decision.js';

/**
 * A stand-in for the rule engine in proxy tests: a function from the request to a decision, and a
 * record of every context it was asked about.
 */
export class TestPolicy implements Policy {
  readonly asked: RequestContext[] = [];
  #decide: (ctx: RequestContext) => Decision | Promise<Decision>;

  constructor(decide: (ctx: RequestContext) => Decision | Promise<Decision> = () => allow()) {
    this.#decide = decide;
  }

  /** Replaces the decision function (a configuration reload, in effect). */
  set(decide: (ctx: RequestContext) => Decision | Promise<Decision>): void {
    this.#decide = decide;
  }

  decide(_rule: string, ctx: RequestContext): Decision | Promise<Decision> {
    this.asked.push(ctx);
    return this.#decide(ctx);
  }
}

export interface DecisionParts {
  readonly trace?: readonly TraceEntry[];
  readonly meters?: readonly Meter[];
  readonly pacers?: readonly Pacer[];
  readonly route?: Route;
  readonly user?: string;
  readonly challenge?: string;
}

function decision(allowed: boolean, parts: DecisionParts): Decision {
  return {
    allow: allowed,
    result: String(allowed),
    trace: parts.trace ?? [],
    meters: parts.meters ?? [],
    pacers: parts.pacers ?? [],
    ...(parts.route === undefined ? {} : { route: parts.route }),
    ...(parts.user === undefined ? {} : { user: parts.user }),
    ...(parts.challenge === undefined ? {} : { challenge: parts.challenge }),
  };
}

export function allow(parts: DecisionParts = {}): Decision {
  return decision(true, parts);
}

export function deny(parts: DecisionParts = {}): Decision {
  return decision(false, parts);
}

/** A trace entry for a manager that said no. */
export function refusal(name: string, kind: string, reason: string, quotaExhausted = false): TraceEntry {
  return quotaExhausted
    ? { name, kind, match: false, reason, quotaExhausted }
    : { name, kind, match: false, reason };
}

/** The user of a `Proxy-Authorization: Basic` header (password not checked), if any. */
export function basicUser(ctx: RequestContext): string | undefined {
  const m = /^Basic\s+(\S+)$/iu.exec(ctx.proxyAuthorization ?? '');
  if (m === null) return undefined;
  return Buffer.from(m[1] ?? '', 'base64')
    .toString()
    .split(':')[0];
}

export function basicAuth(user: string, pass = 'pw'): string {
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

/** A download quota in memory: charges until `quota` bytes, then lets nothing more through. */
export class MemoryMeter implements Meter {
  used = 0;
  /** Every charge asked for, in order. */
  readonly charges: number[] = [];

  constructor(
    readonly quota: number,
    readonly manager = 'down',
    readonly user = 'alice',
  ) {}

  charge(bytes: number): number {
    this.charges.push(bytes);
    const fit = Math.max(0, Math.min(bytes, this.quota - this.used));
    this.used += fit;
    return fit;
  }

  describe(): string {
    return `${this.used} of ${this.quota} bytes`;
  }
}

/** A pacer that asks for a fixed wait after every `take`, and records what it was given. */
export class RecordingPacer implements Pacer {
  readonly takes: number[] = [];

  constructor(
    readonly waitMs: number,
    readonly manager = 'bw',
    readonly user = 'alice',
  ) {}

  take(bytes: number): number {
    this.takes.push(bytes);
    return this.waitMs;
  }
}

/** A promise the test resolves by hand: a slow policy, a held pacing wait. */
export class Gate<T = void> {
  readonly promise: Promise<T>;
  #resolve!: (value: T) => void;
  constructor() {
    this.promise = new Promise<T>((resolve) => (this.#resolve = resolve));
  }
  open(value: T): void {
    this.#resolve(value);
  }
}

/** A sleep for the proxy's pacing that only ends when the test releases it. */
export class HeldSleep {
  readonly waits: number[] = [];
  readonly #pending: Array<() => void> = [];
  #released = false;

  readonly sleep = (ms: number): Promise<void> => {
    this.waits.push(ms);
    if (this.#released) return Promise.resolve();
    return new Promise((resolve) => this.#pending.push(resolve));
  };

  /** Ends the waits under way; with `forever`, later ones end at once. */
  release(forever = false): void {
    this.#released = forever;
    for (const resolve of this.#pending.splice(0)) resolve();
  }

  get pending(): number {
    return this.#pending.length;
  }
}
