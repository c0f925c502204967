import type { BinaryOp, Expr } from './ast.js';

export const SYMBOL: Readonly<Record<BinaryOp, string>> = {
  and: '∧',
  or: '∨',
  implies: '⇒',
  follows: '⇐',
  equiv: '≡',
  nequiv: '≢',
};

/** Binding strength, loosest first: ≡ ≢, then ⇒ ⇐, then ∨, then ∧; ¬ and atoms bind tightest. */
const LEVEL: Readonly<Record<BinaryOp, number>> = {
  equiv: 0,
  nequiv: 0,
  implies: 1,
  follows: 1,
  or: 2,
  and: 3,
};
const TIGHTEST = 4;

/**
 * The canonical Unicode form of a rule, with only the parentheses its meaning needs: reading it back
 * gives an expression that evaluates the same managers in the same order to the same value.
 * Associative chains (∧, ∨, and ≡ ≢ among themselves) print without parentheses either way.
 */
export function printExpr(expr: Expr): string {
  switch (expr.type) {
    case 'const':
      return expr.value ? 'true' : 'false';
    case 'ident':
      return expr.name;
    case 'not':
      return (
        '¬' + (level(expr.operand) === TIGHTEST ? printExpr(expr.operand) : `(${printExpr(expr.operand)})`)
      );
    case 'binary': {
      const left = printExpr(expr.left);
      const right = printExpr(expr.right);
      return (
        (needsParens(expr.op, expr.left, 'left') ? `(${left})` : left) +
        ` ${SYMBOL[expr.op]} ` +
        (needsParens(expr.op, expr.right, 'right') ? `(${right})` : right)
      );
    }
  }
}

function level(expr: Expr): number {
  return expr.type === 'binary' ? LEVEL[expr.op] : TIGHTEST;
}

function needsParens(parent: BinaryOp, child: Expr, side: 'left' | 'right'): boolean {
  if (child.type !== 'binary') return false;
  const [p, c] = [LEVEL[parent], LEVEL[child.op]];
  if (c !== p) return c < p;
  switch (parent) {
    case 'and':
    case 'or':
    case 'equiv':
    case 'nequiv':
      return false;
    // ⇒ groups to the right, ⇐ to the left, and they never share a level unparenthesized.
    case 'implies':
      return side === 'left' || child.op !== 'implies';
    case 'follows':
      return side === 'right' || child.op !== 'follows';
  }
}
