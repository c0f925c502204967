// Generated automatically by nearley, version 2.20.1
// http://github.com/Hardmath123/nearley
// Bypasses TS6133. Allow declared but unused functions.
// @ts-ignore
function id(d: any[]): any { return d[0]; }
declare var equiv: any;
declare var nequiv: any;
declare var implies: any;
declare var follows: any;
declare var or: any;
declare var and: any;
declare var not: any;
declare var ident: any;
declare var trueWord: any;
declare var falseWord: any;
declare var lparen: any;
declare var rparen: any;

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

interface NearleyToken {
  value: any;
  [key: string]: any;
};

interface NearleyLexer {
  reset: (chunk: string, info: any) => void;
  next: () => NearleyToken | undefined;
  save: () => any;
  formatError: (token: never) => string;
  has: (tokenType: string) => boolean;
};

interface NearleyRule {
  name: string;
  symbols: NearleySymbol[];
  postprocess?: (d: any[], loc?: number, reject?: {}) => any;
};

type NearleySymbol = string | { literal: any } | { test: (token: any) => boolean };

interface Grammar {
  Lexer: NearleyLexer | undefined;
  ParserRules: NearleyRule[];
  ParserStart: string;
};

const grammar: Grammar = {
  Lexer: ruleLexer,
  ParserRules: [
    {"name": "rule", "symbols": ["equivalence"], "postprocess": id},
    {"name": "equivalence", "symbols": ["equivalence", (ruleLexer.has("equiv") ? {type: "equiv"} : equiv), "implication"], "postprocess": binary('equiv')},
    {"name": "equivalence", "symbols": ["equivalence", (ruleLexer.has("nequiv") ? {type: "nequiv"} : nequiv), "implication"], "postprocess": binary('nequiv')},
    {"name": "equivalence", "symbols": ["implication"], "postprocess": id},
    {"name": "implication", "symbols": ["implies"], "postprocess": id},
    {"name": "implication", "symbols": ["follows"], "postprocess": id},
    {"name": "implication", "symbols": ["disjunction"], "postprocess": id},
    {"name": "implies", "symbols": ["disjunction", (ruleLexer.has("implies") ? {type: "implies"} : implies), "impliesRight"], "postprocess": binary('implies')},
    {"name": "impliesRight", "symbols": ["implies"], "postprocess": id},
    {"name": "impliesRight", "symbols": ["disjunction"], "postprocess": id},
    {"name": "follows", "symbols": ["follows", (ruleLexer.has("follows") ? {type: "follows"} : follows), "disjunction"], "postprocess": binary('follows')},
    {"name": "follows", "symbols": ["disjunction", (ruleLexer.has("follows") ? {type: "follows"} : follows), "disjunction"], "postprocess": binary('follows')},
    {"name": "disjunction", "symbols": ["disjunction", (ruleLexer.has("or") ? {type: "or"} : or), "conjunction"], "postprocess": binary('or')},
    {"name": "disjunction", "symbols": ["conjunction"], "postprocess": id},
    {"name": "conjunction", "symbols": ["conjunction", (ruleLexer.has("and") ? {type: "and"} : and), "negation"], "postprocess": binary('and')},
    {"name": "conjunction", "symbols": ["negation"], "postprocess": id},
    {"name": "negation", "symbols": [(ruleLexer.has("not") ? {type: "not"} : not), "negation"], "postprocess": negation},
    {"name": "negation", "symbols": ["atom"], "postprocess": id},
    {"name": "atom", "symbols": [(ruleLexer.has("ident") ? {type: "ident"} : ident)], "postprocess": identifier},
    {"name": "atom", "symbols": [(ruleLexer.has("trueWord") ? {type: "trueWord"} : trueWord)], "postprocess": (): ast.Expr => ast.constant(true)},
    {"name": "atom", "symbols": [(ruleLexer.has("falseWord") ? {type: "falseWord"} : falseWord)], "postprocess": (): ast.Expr => ast.constant(false)},
    {"name": "atom", "symbols": [(ruleLexer.has("lparen") ? {type: "lparen"} : lparen), "equivalence", (ruleLexer.has("rparen") ? {type: "rparen"} : rparen)], "postprocess": parenthesized}
  ],
  ParserStart: "rule",
};

export default grammar;
