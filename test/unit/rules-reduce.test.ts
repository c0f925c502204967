import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as ast from '../../src/rules/ast.js';
import { parseRule, RuleSyntaxError } from '../../src/rules/parse.js';
import { printExpr } from '../../src/rules/print.js';
import { negate, reduce, sameExpr } from '../../src/rules/reduce.js';
import { assignments, random, randomExpr, truth } from './rules-trees.js';

/** Reduces a rule's text with X = true; names in `poison` must never be looked up. */
function reduced(text: string, opts: { stopAtUnknown?: boolean; poison?: string[] } = {}): string {
  const known = new Map([['X', true]]);
  const lookup = (name: string): boolean | undefined => {
    if (opts.poison?.includes(name) === true) assert.fail(`${name} looked up in ${text}`);
    return known.get(name);
  };
  return printExpr(reduce(parseRule('test', text), lookup, { stopAtUnknown: opts.stopAtUnknown ?? false }));
}

describe('reduce: pmproxy’s reducer', () => {
  const table: [string, string][] = [
    ['true', 'true'],
    ['¬false', 'true'],
    ['¬true', 'false'],
    ['true ∧ false', 'false'],
    ['false ∨ false', 'false'],
    ['false ∨ true', 'true'],
    ['¬(true ∧ true)', 'false'],
    ['X', 'true'],
    // Acceptance case 15 of the research note.
    ['¬(true ∧ ¬A)', '¬¬A'],
    ['A ≡ false', '¬A'],
    ['A ≢ A', 'false'],
    // The rest of the original's table.
    ['A ∧ A', 'A'],
    ['A ∨ A', 'A'],
    ['true ⇒ false', 'false'],
    ['A ≡ true', 'A'],
    ['A ≡ A', 'true'],
    ['A ≡ ¬A', 'false'],
    ['¬A ≡ A', 'false'],
    ['A ⇐ true', 'A'],
    ['B ≡ (A ≡ C ∧ ¬true)', 'B ≡ ¬A'],
    // The unit drops out, the zero absorbs, from either side.
    ['A ∧ X', 'A'],
    ['X ∧ A', 'A'],
    ['A ∧ false', 'false'],
    ['A ∨ ¬X', 'A'],
    // ⇒ and ⇐ once one side is known.
    ['A ⇒ false', '¬A'],
    ['A ⇒ X', 'true'],
    ['X ⇒ A', 'A'],
    ['A ⇐ false', 'true'],
    ['false ⇐ A', '¬A'],
    ['¬A ⇒ false', 'A'],
    ['A ⇒ B', 'A ⇒ B'],
    ['A ⇐ B', 'A ⇐ B'],
    // ≢ is ≡ with the right side negated.
    ['A ≢ false', 'A'],
    ['A ≢ true', '¬A'],
    ['A ≢ ¬A', 'true'],
    ['A ≢ B', 'A ≢ B'],
    ['X ≡ B', 'B'],
    ['A ∧ B ∨ C', 'A ∧ B ∨ C'],
  ];
  for (const [text, expected] of table) {
    it(`${text}  →  ${expected}`, () => assert.equal(reduced(text), expected));
  }

  it('stops at the zero without looking at the right side', () => {
    assert.equal(reduced('false ∧ Y', { poison: ['Y'] }), 'false');
    assert.equal(reduced('X ∨ Y', { poison: ['Y'] }), 'true');
    assert.equal(reduced('¬X ⇒ Y', { poison: ['Y'] }), 'true');
    assert.equal(reduced('X ⇐ Y', { poison: ['Y'] }), 'true');
  });

  it('looks names up left to right, each only where evaluation gets to', () => {
    const asked: string[] = [];
    const values = new Map([
      ['a', true],
      ['b', false],
      ['c', true],
      ['d', true],
    ]);
    const lookup = (name: string) => {
      asked.push(name);
      return values.get(name);
    };
    assert.equal(printExpr(reduce(parseRule('t', '(a ∨ x) ∧ (b ∨ c) ∧ (d ≡ b)'), lookup)), 'false');
    assert.deepEqual(asked, ['a', 'b', 'c', 'd', 'b']);
  });

  it('after an unknown, pmproxy’s reducer still looks right; the evaluator’s mode does not', () => {
    assert.equal(reduced('A ∨ X'), 'true');
    assert.equal(reduced('A ∨ X', { stopAtUnknown: true, poison: ['X'] }), 'A ∨ X');
    assert.equal(reduced('A ∧ (X ∧ false)', { stopAtUnknown: true, poison: ['X'] }), 'false');
    assert.equal(reduced('A ⇒ X', { stopAtUnknown: true, poison: ['X'] }), 'A ⇒ X');
    assert.equal(reduced('A ⇐ X', { stopAtUnknown: true, poison: ['X'] }), 'A ⇐ X');
    // ≡ evaluates both sides in either mode.
    assert.equal(reduced('A ≡ X', { stopAtUnknown: true }), 'A');
  });

  it('keeps the meaning: a residual agrees with the rule under every completion of the unknowns', () => {
    const next = random(15);
    for (let i = 0; i < 500; i++) {
      const expr = randomExpr(next, 4);
      for (const stopAtUnknown of [false, true]) {
        const residual = reduce(expr, (name) => (name === 'A' ? true : name === 'B' ? false : undefined), {
          stopAtUnknown,
        });
        for (const values of assignments()) {
          const complete = new Map([...values, ['A', true], ['B', false]]);
          assert.equal(
            truth(residual, complete),
            truth(expr, complete),
            `${printExpr(expr)} → ${printExpr(residual)}`,
          );
        }
      }
    }
  });

  it('negates residuals without stacking ¬¬', () => {
    const a = ast.ident('A', 0);
    assert.equal(printExpr(negate(ast.not(a))), 'A');
    assert.equal(printExpr(negate(a)), '¬A');
    assert.ok(sameExpr(negate(ast.constant(true)), ast.constant(false)));
  });
});

describe('print: canonical Unicode, only the parentheses the meaning needs', () => {
  const [A, B, C] = ['A', 'B', 'C'].map((n) => ast.ident(n, 0)) as [ast.Expr, ast.Expr, ast.Expr];
  const b = ast.binary;
  const table: [ast.Expr, string][] = [
    [b('or', A, b('and', B, C)), 'A ∨ B ∧ C'],
    [b('and', b('or', A, B), C), '(A ∨ B) ∧ C'],
    [b('and', A, b('and', B, C)), 'A ∧ B ∧ C'],
    [ast.not(b('and', A, B)), '¬(A ∧ B)'],
    [ast.not(ast.not(A)), '¬¬A'],
    [b('implies', A, b('implies', B, C)), 'A ⇒ B ⇒ C'],
    [b('implies', b('implies', A, B), C), '(A ⇒ B) ⇒ C'],
    [b('follows', b('follows', A, B), C), 'A ⇐ B ⇐ C'],
    [b('follows', A, b('follows', B, C)), 'A ⇐ (B ⇐ C)'],
    [b('implies', A, b('follows', B, C)), 'A ⇒ (B ⇐ C)'],
    [b('follows', b('implies', A, B), C), '(A ⇒ B) ⇐ C'],
    [b('equiv', A, b('nequiv', B, C)), 'A ≡ B ≢ C'],
    [b('equiv', b('implies', A, B), C), 'A ⇒ B ≡ C'],
    [b('implies', b('equiv', A, B), C), '(A ≡ B) ⇒ C'],
    [b('or', ast.constant(true), ast.not(ast.constant(false))), 'true ∨ ¬false'],
  ];
  for (const [expr, text] of table) {
    it(text, () => {
      assert.equal(printExpr(expr), text);
      assert.equal(printExpr(parseRule('t', text)), text);
    });
  }

  it('acceptance case 15: A ≡ B ≢ ¬C ⇒ D round-trips; A ⇒ B ⇐ C is an error; A ∨ B ∧ C is now a rule', () => {
    assert.equal(printExpr(parseRule('t', 'A ≡ B ≢ ¬C ⇒ D')), 'A ≡ B ≢ ¬C ⇒ D');
    assert.equal(printExpr(parseRule('t', 'A == B != !C -> D')), 'A ≡ B ≢ ¬C ⇒ D');
    assert.throws(() => parseRule('t', 'A ⇒ B ⇐ C'), RuleSyntaxError);
    assert.equal(printExpr(parseRule('t', 'A ∨ B ∧ C')), 'A ∨ B ∧ C');
  });
});
