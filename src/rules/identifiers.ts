import type { Expr, Ident } from './ast.js';

/** The distinct manager names a rule uses, in order of first appearance. */
export function ruleIdentifiers(expr: Expr): string[] {
  return [...new Set(identifierNodes(expr).map((node) => node.name))];
}

/** Every identifier occurrence, left to right, with its offset in the rule text. */
export function identifierNodes(expr: Expr): Ident[] {
  const out: Ident[] = [];
  const walk = (e: Expr): void => {
    switch (e.type) {
      case 'ident':
        out.push(e);
        return;
      case 'const':
        return;
      case 'not':
        walk(e.operand);
        return;
      case 'binary':
        walk(e.left);
        walk(e.right);
        return;
    }
  };
  walk(expr);
  return out;
}
