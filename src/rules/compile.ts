import type { Manager } from '../managers/types.js';
import type { Expr } from './ast.js';
import { identifierNodes } from './identifiers.js';
import { RuleNameError } from './name-error.js';
import { parseRule } from './parse.js';

export { ruleIdentifiers } from './identifiers.js';

/** A rule ready to evaluate: its text, its tree, and the managers it names. */
export interface CompiledRule {
  /** The rule's name: "proxy", "api", "admin" … */
  readonly name: string;
  readonly text: string;
  readonly expr: Expr;
  /** Exactly the managers the rule names, by name. */
  readonly managers: ReadonlyMap<string, Manager>;
}

/**
 * Parses a rule and binds its names to managers. Throws RuleSyntaxError for a rule that does not
 * parse, RuleNameError (caret under it) for the first identifier that names no manager.
 */
export function compileRule(
  ruleName: string,
  text: string,
  managers: ReadonlyMap<string, Manager>,
): CompiledRule {
  const expr = parseRule(ruleName, text);
  const named = new Map<string, Manager>();
  for (const node of identifierNodes(expr)) {
    const manager = managers.get(node.name);
    if (manager === undefined)
      throw new RuleNameError(ruleName, text, node.offset, node.name, [...managers.keys()]);
    named.set(node.name, manager);
  }
  return { name: ruleName, text, expr, managers: named };
}
