import { RuleError } from './rule-error.js';

/** A rule that does not parse: what was expected where, with a caret under the column. */
export class RuleSyntaxError extends RuleError {
  override readonly name = 'RuleSyntaxError';

  constructor(
    ruleName: string,
    text: string,
    offset: number,
    detail: string,
    /** What would have been accepted at `offset`, as shown in the message ("an identifier", "\"(\""). */
    readonly expected: readonly string[],
  ) {
    super(ruleName, text, offset, detail);
  }
}
