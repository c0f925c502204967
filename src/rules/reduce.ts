import { binary, constant, not, type Binary, type Constant, type Expr } from './ast.js';

export const TRUE: Constant = Object.freeze(constant(true));
export const FALSE: Constant = Object.freeze(constant(false));

/** A manager's answer by name: undefined when it cannot be known (it stays in the residual). */
export type Lookup = (name: string) => boolean | undefined;

export interface ReduceOptions {
  /**
   * false (pmproxy's reducer, the default): after an unknown left side of ∧ ∨ ⇒ ⇐ the right side is
   * still looked up, so `U ∨ B` with B true is true.
   * true (the evaluator): the right side is not looked up, because evaluation reaches it only if the
   * left side turns out one way, and reaching a manager has effects (a quota charged, a route
   * taken). It stays as written, constants folded: `U ∨ B` stays `U ∨ B`.
   */
  readonly stopAtUnknown?: boolean;
}

const UNKNOWN: Lookup = () => undefined;

/**
 * Partial evaluation, left to right with short-circuit, as pmproxy's reducer did it:
 * - ∧ and ∨ stop at their zero (the right side is not looked at), drop their unit, and A ∧ A is A;
 * - a ⇒ b is ¬a ∨ b, and a ⇐ b is a ∨ ¬b, once one side is known (a first);
 * - ≡ evaluates both sides; against a constant it is the other side or its negation, X ≡ X is true,
 *   X ≡ ¬X is false; a ≢ b is a ≡ ¬b;
 * - ¬ of a constant flips it; ¬ of an unknown stays (¬(true ∧ ¬A) is ¬¬A).
 * Names `lookup` leaves undefined stay symbolic. `lookup` is called in evaluation order, only for
 * the names evaluation reaches.
 */
export function reduce(expr: Expr, lookup: Lookup, options: ReduceOptions = {}): Expr {
  return walk(expr, lookup, options.stopAtUnknown === true ? UNKNOWN : lookup);
}

/** `later` answers for the right side of ∧ ∨ ⇒ ⇐ after an unknown left side. */
function walk(expr: Expr, lookup: Lookup, later: Lookup): Expr {
  switch (expr.type) {
    case 'const':
      return expr.value ? TRUE : FALSE;
    case 'ident': {
      const value = lookup(expr.name);
      return value === undefined ? expr : value ? TRUE : FALSE;
    }
    case 'not': {
      const operand = walk(expr.operand, lookup, later);
      if (operand.type === 'const') return operand.value ? FALSE : TRUE;
      return operand === expr.operand ? expr : not(operand);
    }
    case 'binary':
      return walkBinary(expr, lookup, later);
  }
}

function walkBinary(expr: Binary, lookup: Lookup, later: Lookup): Expr {
  const left = walk(expr.left, lookup, later);
  switch (expr.op) {
    case 'and':
    case 'or': {
      const unit = expr.op === 'and';
      if (left.type === 'const') return left.value === unit ? walk(expr.right, lookup, later) : left;
      const right = walk(expr.right, later, later);
      if (right.type === 'const') return right.value === unit ? left : right;
      return sameExpr(left, right) ? left : rebuilt(expr, left, right);
    }
    case 'implies': {
      if (left.type === 'const') return left.value ? walk(expr.right, lookup, later) : TRUE;
      const right = walk(expr.right, later, later);
      if (right.type === 'const') return right.value ? TRUE : negate(left);
      return rebuilt(expr, left, right);
    }
    case 'follows': {
      if (left.type === 'const') return left.value ? TRUE : negate(walk(expr.right, lookup, later));
      const right = walk(expr.right, later, later);
      if (right.type === 'const') return right.value ? left : TRUE;
      return rebuilt(expr, left, right);
    }
    case 'equiv':
    case 'nequiv': {
      const right = walk(expr.right, lookup, later);
      const known = equivalence(left, expr.op === 'equiv' ? right : negate(right));
      return known ?? rebuilt(expr, left, right);
    }
  }
}

/** left ≡ right when one side is a constant or the two are the same or opposite; else undefined. */
function equivalence(left: Expr, right: Expr): Expr | undefined {
  if (left.type === 'const') return left.value ? right : negate(right);
  if (right.type === 'const') return right.value ? left : negate(left);
  if (sameExpr(left, right)) return TRUE;
  if (sameExpr(left, negate(right)) || sameExpr(negate(left), right)) return FALSE;
  return undefined;
}

/** ¬e for residuals built by rewriting (a ⇒ b as ¬a ∨ b …): a constant flips and ¬¬e is e. */
export function negate(expr: Expr): Expr {
  if (expr.type === 'const') return expr.value ? FALSE : TRUE;
  if (expr.type === 'not') return expr.operand;
  return not(expr);
}

function rebuilt(expr: Binary, left: Expr, right: Expr): Expr {
  return left === expr.left && right === expr.right ? expr : binary(expr.op, left, right);
}

/** Structural equality; where identifiers stand in the text does not matter. */
export function sameExpr(a: Expr, b: Expr): boolean {
  if (a === b) return true;
  switch (a.type) {
    case 'const':
      return b.type === 'const' && a.value === b.value;
    case 'ident':
      return b.type === 'ident' && a.name === b.name;
    case 'not':
      return b.type === 'not' && sameExpr(a.operand, b.operand);
    case 'binary':
      return b.type === 'binary' && a.op === b.op && sameExpr(a.left, b.left) && sameExpr(a.right, b.right);
  }
}
