# The rule language of pmproxy. Precedence, tightest first: ¬, ∧, ∨, then ⇒ ⇐, then ≡ ≢.
# ∧ ∨ ≡ ≢ group to the left; ⇒ groups to the right and ⇐ to the left, and the two do not mix
# without parentheses. Each ASCII form has exactly one meaning:
#   not ! = ¬   and && = ∧   or || = ∨   -> = ⇒   <- = ⇐   == = ≡   != = ≢
# Whitespace is skipped by the lexer, so the grammar has no whitespace rules and stays unambiguous.

@preprocessor typescript

@{%
import moo from 'moo';
import * as ast from './ast.js';

const tokens = moo.compile({
  ws: { match: /\s+/u, lineBreaks: true },
  ident: {
    match: /\p{L}[\p{L}\p{N}_]*/u,
    // Reserved words; token types of their own because `true` cannot name a variable in TypeScript.
    type: moo.keywords({ trueWord: 'true', falseWord: 'false', not: 'not', and: 'and', or: 'or' }),
  },
  nequiv: ['≢', '!='],
  not: ['¬', '!'],
  and: ['∧', '&&'],
  or: ['∨', '||'],
  implies: ['⇒', '->'],
  follows: ['⇐', '<-'],
  equiv: ['≡', '=='],
  lparen: '(',
  rparen: ')',
  error: moo.error,
});

/** The rule's tokens without whitespace: the grammar never sees it. */
export const ruleLexer = {
  reset(chunk: string, state?: moo.LexerState): void {
    tokens.reset(chunk, state);
  },
  next(): moo.Token | undefined {
    let token = tokens.next();
    while (token !== undefined && token.type === 'ws') token = tokens.next();
    return token;
  },
  save: (): moo.LexerState => tokens.save(),
  formatError: (token: moo.Token, message?: string): string => tokens.formatError(token, message),
  has: (type: string): boolean => tokens.has(type),
};

// Postprocessors receive nearley's untyped `d`; these narrow it once, so the grammar stays typed.
const binary =
  (op: ast.BinaryOp) =>
  (d: unknown[]): ast.Expr =>
    ast.binary(op, d[0] as ast.Expr, d[2] as ast.Expr);
const negation = (d: unknown[]): ast.Expr => ast.not(d[1] as ast.Expr);
const identifier = (d: unknown[]): ast.Expr => {
  const token = d[0] as moo.Token;
  return ast.ident(token.value, token.offset);
};
const parenthesized = (d: unknown[]): ast.Expr => d[1] as ast.Expr;
%}

@lexer ruleLexer

rule -> equivalence {% id %}

equivalence ->
    equivalence %equiv implication {% binary('equiv') %}
  | equivalence %nequiv implication {% binary('nequiv') %}
  | implication {% id %}

implication -> implies {% id %} | follows {% id %} | disjunction {% id %}

implies -> disjunction %implies impliesRight {% binary('implies') %}
impliesRight -> implies {% id %} | disjunction {% id %}

follows ->
    follows %follows disjunction {% binary('follows') %}
  | disjunction %follows disjunction {% binary('follows') %}

disjunction -> disjunction %or conjunction {% binary('or') %} | conjunction {% id %}

conjunction -> conjunction %and negation {% binary('and') %} | negation {% id %}

negation -> %not negation {% negation %} | atom {% id %}

atom ->
    %ident {% identifier %}
  | %trueWord {% (): ast.Expr => ast.constant(true) %}
  | %falseWord {% (): ast.Expr => ast.constant(false) %}
  | %lparen equivalence %rparen {% parenthesized %}
