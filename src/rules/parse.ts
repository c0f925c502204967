import nearley from 'nearley';
import type moo from 'moo';
import type { Expr } from './ast.js';
import grammar, { ruleLexer } from './grammar.generated.js';
import { RuleSyntaxError } from './syntax-error.js';

export { RuleSyntaxError } from './syntax-error.js';
export { ruleIdentifiers } from './identifiers.js';

const compiled = nearley.Grammar.fromCompiled(grammar);

/**
 * Parses a rule's text. Throws RuleSyntaxError (rule name, what was expected, a caret under the
 * column) for anything that is not exactly one rule: an empty text included.
 */
export function parseRule(ruleName: string, text: string): Expr {
  const parser = run(ruleName, text);
  const results = parser.results as Expr[];
  const [only] = results;
  if (only === undefined) throw atEnd(ruleName, text, columns(parser).at(-1));
  // The grammar is unambiguous (the tests check it over many rules); two parses are a bug in it.
  if (results.length > 1)
    throw new Error(`grammar/rule.ne is ambiguous: ${results.length} parses of ${text}`);
  return only;
}

/** How many parses nearley finds for a valid rule: always 1. For the grammar's own tests. */
export function parseCount(text: string): number {
  return run('', text).results.length;
}

/** Feeds the whole text; a token nothing expects becomes a RuleSyntaxError. */
function run(ruleName: string, text: string): nearley.Parser {
  const parser = new nearley.Parser(compiled);
  try {
    parser.feed(text);
  } catch (err) {
    const token = (err as { token?: moo.Token }).token;
    if (token === undefined) throw err;
    // nearley has pushed an empty column for the token it could not take: the one before it expected.
    throw unexpected(ruleName, text, token, columns(parser).at(-2));
  }
  return parser;
}

/** The parts of nearley's chart that say what could come next; nearley's types leave them out. */
interface State {
  readonly rule: { readonly name: string; readonly symbols: readonly unknown[] };
  readonly dot: number;
  readonly reference: number;
  readonly isComplete: boolean;
}
interface Column {
  readonly states: readonly State[];
}

function columns(parser: nearley.Parser): readonly Column[] {
  return (parser as unknown as { table: Column[] }).table;
}

/** Token types as the message names them, in the order a person would list them. */
const SHOWN: ReadonlyMap<string, string> = new Map([
  ['ident', 'an identifier'],
  ['lparen', '"("'],
  ['not', '"¬"'],
  ['trueWord', '"true"'],
  ['falseWord', '"false"'],
  ['and', '"∧"'],
  ['or', '"∨"'],
  ['implies', '"⇒"'],
  ['follows', '"⇐"'],
  ['equiv', '"≡"'],
  ['nequiv', '"≢"'],
  ['rparen', '")"'],
]);
const ORDER = [...SHOWN.keys()];
const END = 'end of rule';

function expectedTypes(column: Column | undefined): Set<string> {
  const types = new Set<string>();
  for (const state of column?.states ?? []) {
    const next = state.rule.symbols[state.dot];
    if (typeof next === 'object' && next !== null && 'type' in next && typeof next.type === 'string')
      types.add(next.type);
  }
  return types;
}

function expectedList(column: Column | undefined, endAllowed: boolean): string[] {
  const types = expectedTypes(column);
  const shown = ORDER.filter((t) => types.has(t)).map((t) => SHOWN.get(t) as string);
  return endAllowed ? [...shown, END] : shown;
}

/** Whether the rule could have ended where this column is: a complete parse starts at 0. */
function canEnd(column: Column | undefined): boolean {
  return (
    column?.states.some((s) => s.isComplete && s.reference === 0 && s.rule.name === compiled.start) === true
  );
}

function unexpected(ruleName: string, text: string, token: moo.Token, column: Column | undefined): Error {
  const expected = expectedList(column, canEnd(column));
  if (token.type === 'error') {
    const char = String.fromCodePoint(token.text.codePointAt(0) ?? 0);
    return new RuleSyntaxError(ruleName, text, token.offset, `unknown character ‘${char}’`, expected);
  }
  const types = expectedTypes(column);
  if (token.type === 'follows' && types.has('implies') && !types.has('follows'))
    return new RuleSyntaxError(ruleName, text, token.offset, MIXED('⇒', '⇐'), expected);
  if (token.type === 'implies' && types.has('follows') && !types.has('implies'))
    return new RuleSyntaxError(ruleName, text, token.offset, MIXED('⇐', '⇒'), expected);
  const before = previousToken(text, token.offset);
  const where = before === undefined ? 'at start of rule' : `after ${JSON.stringify(before.text)}`;
  return new RuleSyntaxError(ruleName, text, token.offset, `expected ${listed(expected)} ${where}`, expected);
}

const MIXED = (first: string, then: string): string =>
  `"${then}" cannot follow "${first}" without parentheses: ${first} and ${then} do not mix, ` +
  'so put parentheses around the part meant first';

function atEnd(ruleName: string, text: string, column: Column | undefined): RuleSyntaxError {
  const expected = expectedList(column, false);
  const empty = text.trim() === '';
  const detail = empty
    ? `empty rule: expected ${listed(expected)}`
    : `expected ${listed(expected)} at end of rule`;
  return new RuleSyntaxError(ruleName, text, empty ? 0 : text.length, detail, expected);
}

/** The last token that ends at or before `offset`, as written. */
function previousToken(text: string, offset: number): moo.Token | undefined {
  ruleLexer.reset(text);
  let previous: moo.Token | undefined;
  for (let token = ruleLexer.next(); token !== undefined && token.offset < offset; token = ruleLexer.next())
    previous = token;
  return previous;
}

function listed(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items.at(-1) ?? ''}`;
}
