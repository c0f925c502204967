import type { Issues } from './issues.js';
import type { KnownNames } from '../managers/types.js';
import { parseRule, ruleIdentifiers, RuleSyntaxError } from '../rules/parse.js';
import { closest } from './closest.js';

/**
 * Parses a rule and reports, at its key path, a syntax error (the parser's message, caret included)
 * or every identifier that names no manager: unlike pmproxy, where such a name silently denied.
 */
export function checkRuleText(
  ruleName: string,
  text: string,
  path: string,
  known: KnownNames,
  issues: Issues,
): void {
  let expr;
  try {
    expr = parseRule(ruleName, text);
  } catch (err) {
    if (!(err instanceof RuleSyntaxError)) throw err;
    issues.add(path, err.message);
    return;
  }
  const reported = new Set<string>();
  for (const name of ruleIdentifiers(expr)) {
    if (known.managers.has(name) || reported.has(name)) continue;
    reported.add(name);
    if (known.userDBs.has(name)) {
      issues.add(
        path,
        `"${name}" is a user database, not a manager; a rule names managers such as [[sessionIPM]]`,
      );
      continue;
    }
    const near = closest(name, known.managers.keys());
    const there = [...known.managers.keys()].map((n) => `"${n}"`).join(', ');
    issues.add(
      path,
      `no manager named "${name}"` +
        (near !== undefined
          ? ` (did you mean "${near}"?)`
          : there === ''
            ? ' (no managers are defined)'
            : ` (there is ${there})`),
    );
  }
}
