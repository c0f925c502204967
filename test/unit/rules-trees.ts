/** Helpers for the rule tests: trees as S-expressions, random rules, truth tables. */
import * as ast from '../../src/rules/ast.js';
import type { Expr } from '../../src/rules/ast.js';
import { SYMBOL } from '../../src/rules/print.js';

/** `(∨ A (∧ B C))`: the shape of a tree, operators in their Unicode form. */
export function tree(expr: Expr): string {
  switch (expr.type) {
    case 'const':
      return String(expr.value);
    case 'ident':
      return expr.name;
    case 'not':
      return `(¬ ${tree(expr.operand)})`;
    case 'binary':
      return `(${SYMBOL[expr.op]} ${tree(expr.left)} ${tree(expr.right)})`;
  }
}

/** A small deterministic generator (mulberry32), so a failing case can be replayed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OPS: ast.BinaryOp[] = ['and', 'or', 'implies', 'follows', 'equiv', 'nequiv'];
export const NAMES = ['A', 'B', 'C', 'D'];

export function randomExpr(next: () => number, depth: number): Expr {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  if (depth === 0 || next() < 0.2) {
    return next() < 0.1 ? ast.constant(next() < 0.5) : ast.ident(pick(NAMES), 0);
  }
  if (next() < 0.2) return ast.not(randomExpr(next, depth - 1));
  return ast.binary(pick(OPS), randomExpr(next, depth - 1), randomExpr(next, depth - 1));
}

/** The value of a tree under an assignment: the plain two-valued meaning, no short-circuit. */
export function truth(expr: Expr, values: ReadonlyMap<string, boolean>): boolean {
  switch (expr.type) {
    case 'const':
      return expr.value;
    case 'ident':
      return values.get(expr.name) ?? false;
    case 'not':
      return !truth(expr.operand, values);
    case 'binary': {
      const [a, b] = [truth(expr.left, values), truth(expr.right, values)];
      switch (expr.op) {
        case 'and':
          return a && b;
        case 'or':
          return a || b;
        case 'implies':
          return !a || b;
        case 'follows':
          return a || !b;
        case 'equiv':
          return a === b;
        case 'nequiv':
          return a !== b;
      }
    }
  }
}

/** Every assignment of the names. */
export function assignments(names: readonly string[] = NAMES): Map<string, boolean>[] {
  return Array.from(
    { length: 2 ** names.length },
    (_, bits) => new Map(names.map((n, i) => [n, (bits & (1 << i)) !== 0])),
  );
}

export function sameMeaning(a: Expr, b: Expr): boolean {
  return assignments().every((values) => truth(a, values) === truth(b, values));
}
