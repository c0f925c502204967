/**
 * A mistake in a rule's text, shown as a person reads it: the message, the rule indented, and a
 * caret under the offending character, e.g.
 *
 *   rule "proxy": expected an identifier, "(", "¬", "true" or "false" after "∧"
 *     sessions ∧ ∧ campus
 *                ^
 */
export abstract class RuleError extends Error {
  /** 1-based column of `offset`, counted in code points as the caret line counts them. */
  readonly column: number;

  constructor(
    readonly ruleName: string,
    readonly text: string,
    /** 0-based code-unit offset into `text` (as AST offsets are). */
    readonly offset: number,
    /** The first line alone, without the rule name: "expected … after …". */
    readonly detail: string,
  ) {
    super(formatRuleError(ruleName, text, offset, detail));
    this.column = codePoints(text.slice(0, offset)) + 1;
  }
}

const INDENT = '  ';

export function formatRuleError(ruleName: string, text: string, offset: number, detail: string): string {
  return `rule ${JSON.stringify(ruleName)}: ${detail}\n${ruleWithCaret(text, offset)}`;
}

/** Two lines: the rule indented, and a caret under `offset` (a code-unit offset into `text`). */
export function ruleWithCaret(text: string, offset: number): string {
  // One line, one column per code point: every whitespace (tab, newline) shows as one space.
  const shown = text.replace(/\s/gu, ' ');
  const caret = ' '.repeat(codePoints(shown.slice(0, offset)));
  return `${INDENT}${shown}\n${INDENT}${caret}^`;
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
