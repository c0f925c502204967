import { RuleError } from './rule-error.js';

/** A rule naming a manager that does not exist, with a caret under the identifier. */
export class RuleNameError extends RuleError {
  override readonly name = 'RuleNameError';

  constructor(
    ruleName: string,
    text: string,
    offset: number,
    /** The identifier that names no manager. */
    readonly identifier: string,
    /** The names that do, in the order given. */
    readonly known: readonly string[],
  ) {
    super(
      ruleName,
      text,
      offset,
      `no manager named ${JSON.stringify(identifier)} ` +
        (known.length === 0 ? '(no managers are defined)' : `(known: ${known.join(', ')})`),
    );
  }
}
