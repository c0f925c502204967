import type { RequestContext } from '../managers/types.js';
import type { CompiledRule } from './compile.js';
import type { Decision, Policy } from './decision.js';
import { evaluate } from './evaluate.js';

/** The named rules of a configuration ("proxy", "api", "admin" …), each decided by evaluate(). */
export class RulePolicy implements Policy {
  readonly #rules: ReadonlyMap<string, CompiledRule>;

  constructor(rules: ReadonlyMap<string, CompiledRule>) {
    this.#rules = new Map(rules);
  }

  /** Throws for a rule name the configuration does not have: that is a bug in the caller. */
  decide(ruleName: string, ctx: RequestContext): Decision | Promise<Decision> {
    const rule = this.#rules.get(ruleName);
    if (rule === undefined)
      throw new Error(`no rule named "${ruleName}" (there are ${[...this.#rules.keys()].join(', ')})`);
    return evaluate(rule, ctx);
  }

  rule(ruleName: string): CompiledRule | undefined {
    return this.#rules.get(ruleName);
  }

  get ruleNames(): string[] {
    return [...this.#rules.keys()];
  }
}
