import type { Manager, Meter, Pacer, RequestContext, Route, Verdict } from '../managers/types.js';
import type { Expr } from './ast.js';
import type { CompiledRule } from './compile.js';
import type { Decision, TraceEntry } from './decision.js';
import { printExpr } from './print.js';
import { reduce, TRUE } from './reduce.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A manager evaluation may not reach is not asked: asking has effects (see ReduceOptions). */
const STOP_AT_UNKNOWN = { stopAtUnknown: true } as const;

/**
 * Decides a request: the rule evaluated left to right with short-circuit (see reduce.ts), each
 * manager tested at most once. Managers only act when reached: the meters and pacers of every
 * reached manager that said yes apply, and the route of the first one. A manager whose answer is
 * unknown (match undefined) stays in the result as a residual rule, and only "true" allows; what
 * comes after it in ∧ ∨ ⇒ ⇐ is not asked, since evaluation would reach it only for one answer:
 * `sessions ∧ (localSites ∨ down)` without a URL gives "localSites ∨ down".
 *
 * Synchronous as long as every manager answers synchronously; the first Promise makes the result a
 * Promise. A manager that throws or rejects counts as false, with the error as its reason.
 */
export function evaluate(rule: CompiledRule, ctx: RequestContext): Decision | Promise<Decision> {
  const evaluation = new Evaluation(rule, ctx);
  try {
    return evaluation.run();
  } catch (err) {
    if (err instanceof Pending) return evaluation.settle(err);
    throw err;
  }
}

/** Thrown out of an evaluation that reached a manager still answering; it resumes once it has. */
class Pending extends Error {
  constructor(
    readonly manager: string,
    readonly answer: PromiseLike<Verdict>,
  ) {
    super(`waiting for ${manager}`);
  }
}

interface Answer {
  readonly name: string;
  readonly manager: Manager;
  readonly verdict: Verdict;
  /** The run that last recorded this answer in the trace. */
  recorded: number;
}

class Evaluation {
  readonly #answers = new Map<string, Answer>();
  #runs = 0;
  #trace: TraceEntry[] = [];
  #meters: Meter[] = [];
  #pacers: Pacer[] = [];
  #leases: Meter[] = [];
  #route: Route | undefined;
  #challenge: string | undefined;

  constructor(
    readonly rule: CompiledRule,
    readonly ctx: RequestContext,
  ) {}

  /**
   * One pass over the rule with the answers known so far. After an asynchronous answer arrives the
   * pass starts over: the answers are cached, so no manager is asked twice, and the pass that
   * completes records the trace and effects in evaluation order.
   */
  run(): Decision {
    this.#runs++;
    this.#trace = [];
    this.#meters = [];
    this.#pacers = [];
    this.#leases = [];
    this.#route = undefined;
    this.#challenge = undefined;
    return this.#decision(reduce(this.rule.expr, this.#lookup, STOP_AT_UNKNOWN));
  }

  async settle(pending: Pending): Promise<Decision> {
    for (;;) {
      const manager = this.#manager(pending.manager);
      let verdict: Verdict;
      try {
        verdict = await pending.answer;
      } catch (err) {
        verdict = failed(err);
      }
      this.#answers.set(pending.manager, { name: pending.manager, manager, verdict, recorded: 0 });
      try {
        return this.run();
      } catch (err) {
        if (!(err instanceof Pending)) throw err;
        pending = err;
      }
    }
  }

  readonly #lookup = (name: string): boolean | undefined => {
    let answer = this.#answers.get(name);
    if (answer === undefined) {
      const manager = this.#manager(name);
      const verdict = ask(manager, this.ctx);
      if (isPromiseLike(verdict)) throw new Pending(name, verdict);
      answer = { name, manager, verdict, recorded: 0 };
      this.#answers.set(name, answer);
    }
    if (answer.recorded !== this.#runs) {
      answer.recorded = this.#runs;
      this.#record(answer);
    }
    return answer.verdict.match;
  };

  #manager(name: string): Manager {
    const manager = this.rule.managers.get(name);
    if (manager === undefined) throw new Error(`rule "${this.rule.name}" names no manager "${name}"`);
    return manager;
  }

  #record({ name, manager, verdict }: Answer): void {
    this.#trace.push(traceEntry(name, manager, verdict));
    if (verdict.challenge !== undefined) this.#challenge ??= verdict.challenge;
    if (verdict.match !== true || verdict.effect === undefined) return;
    const effect = verdict.effect;
    switch (effect.kind) {
      case 'meter':
        this.#meters.push(effect.meter);
        break;
      case 'pace':
        this.#pacers.push(effect.pacer);
        break;
      case 'route':
        this.#route ??= effect.route;
        break;
      case 'lease':
        this.#leases.push(effect.lease);
        break;
    }
  }

  #decision(residual: Expr): Decision {
    const decision: Mutable<Decision> = {
      allow: residual === TRUE,
      result: residual.type === 'const' ? (residual.value ? 'true' : 'false') : printExpr(residual),
      trace: this.#trace,
      meters: this.#meters,
      pacers: this.#pacers,
    };
    // Optional fields are left out, not set to undefined (exactOptionalPropertyTypes).
    if (this.#route !== undefined) decision.route = this.#route;
    if (this.#challenge !== undefined) decision.challenge = this.#challenge;
    if (this.#leases.length > 0) decision.leases = this.#leases;
    const user = firstUser(this.ctx);
    if (user !== undefined) decision.user = user;
    return decision;
  }
}

function ask(manager: Manager, ctx: RequestContext): Verdict | PromiseLike<Verdict> {
  try {
    return manager.test(ctx);
  } catch (err) {
    return failed(err);
  }
}

function failed(err: unknown): Verdict {
  return { match: false, reason: `error: ${err instanceof Error ? err.message : String(err)}` };
}

function isPromiseLike(value: Verdict | PromiseLike<Verdict>): value is PromiseLike<Verdict> {
  return typeof (value as Partial<PromiseLike<Verdict>>).then === 'function';
}

function traceEntry(name: string, manager: Manager, verdict: Verdict): TraceEntry {
  const entry: Mutable<TraceEntry> = { name, kind: manager.kind, match: verdict.match };
  if (verdict.reason !== undefined) entry.reason = verdict.reason;
  if (verdict.quotaExhausted !== undefined) entry.quotaExhausted = verdict.quotaExhausted;
  if (verdict.resetsAt !== undefined) entry.resetsAt = verdict.resetsAt;
  if (manager.description !== undefined) entry.description = manager.description;
  return entry;
}

function firstUser(ctx: RequestContext): string | undefined {
  for (const user of ctx.users.values()) return user;
  return undefined;
}
