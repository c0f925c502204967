import type { Issues } from './issues.js';
import type { KnownNames } from '../managers/types.js';
import { parseRule, RuleSyntaxError } from '../rules/parse.js';
import { identifierNodes } from '../rules/identifiers.js';
import { formatRuleError } from '../rules/rule-error.js';
import { closest } from './closest.js';

/**
 * Parses a rule and reports, at its key path, a syntax error or every identifier that names no
 * manager (pmproxy silently denied on those). Each message shows the rule with a caret under the
 * place; the key path already says which rule it is, so the rule's name is left out.
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
    issues.add(path, withCaret(text, err.offset, `${err.detail} (column ${err.column})`));
    return;
  }
  const reported = new Set<string>();
  for (const node of identifierNodes(expr)) {
    const name = node.name;
    if (known.managers.has(name) || reported.has(name)) continue;
    reported.add(name);
    if (known.userDBs.has(name)) {
      const detail = `"${name}" is a user database, not a manager; a rule names managers such as [[sessionIPM]]`;
      issues.add(path, withCaret(text, node.offset, detail));
      continue;
    }
    const near = closest(name, known.managers.keys());
    const there = [...known.managers.keys()].map((n) => `"${n}"`).join(', ');
    const hint =
      near !== undefined
        ? ` (did you mean "${near}"?)`
        : there === ''
          ? ' (none is defined)'
          : ` (there is ${there})`;
    issues.add(path, withCaret(text, node.offset, `no manager named "${name}"${hint}`));
  }
}

/** The detail, then the rule with a caret under `offset`. */
function withCaret(text: string, offset: number, detail: string): string {
  const [, ...ruleAndCaret] = formatRuleError('', text, offset, '').split('\n');
  return [detail, ...ruleAndCaret].join('\n');
}
