import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCount, parseRule, RuleSyntaxError } from '../../src/rules/parse.js';
import { printExpr } from '../../src/rules/print.js';
import { random, randomExpr, sameMeaning, tree } from './rules-trees.js';

const shape = (text: string): string => tree(parseRule('test', text));

function syntaxError(text: string): RuleSyntaxError {
  try {
    parseRule('proxy', text);
  } catch (err) {
    if (err instanceof RuleSyntaxError) return err;
    throw err;
  }
  assert.fail(`expected a syntax error for ${JSON.stringify(text)}`);
}

describe('rule parser: precedence and grouping', () => {
  const table: [string, string][] = [
    ['A', 'A'],
    ['(A)', 'A'],
    ['true ∧ false', '(∧ true false)'],
    ['¬A ∧ B', '(∧ (¬ A) B)'],
    ['¬(A ∧ B)', '(¬ (∧ A B))'],
    ['¬¬A', '(¬ (¬ A))'],
    ['A ∧ B ∧ C', '(∧ (∧ A B) C)'],
    ['A ∨ B ∨ C', '(∨ (∨ A B) C)'],
    // ∧ and ∨ mix without parentheses (the Go original refused): ∧ binds tighter.
    ['A ∨ B ∧ C', '(∨ A (∧ B C))'],
    ['A ∧ B ∨ C', '(∨ (∧ A B) C)'],
    ['A ∧ ¬B ∨ ¬C ∧ D', '(∨ (∧ A (¬ B)) (∧ (¬ C) D))'],
    ['(A ∨ B) ∧ C', '(∧ (∨ A B) C)'],
    ['A ⇒ B ⇒ C', '(⇒ A (⇒ B C))'],
    ['A ⇐ B ⇐ C', '(⇐ (⇐ A B) C)'],
    ['A ∨ B ⇒ C ∧ D', '(⇒ (∨ A B) (∧ C D))'],
    ['(A ⇒ B) ⇐ C', '(⇐ (⇒ A B) C)'],
    ['A ⇒ (B ⇐ C)', '(⇒ A (⇐ B C))'],
    ['A ≡ B ≢ C', '(≢ (≡ A B) C)'],
    ['A ≢ B ≡ C', '(≡ (≢ A B) C)'],
    ['A ⇒ B ≡ C ⇐ D', '(≡ (⇒ A B) (⇐ C D))'],
    ['A ≡ B ≢ ¬C ⇒ D', '(≢ (≡ A B) (⇒ (¬ C) D))'],
    ['sessions ∧ (localSites ∨ down)', '(∧ sessions (∨ localSites down))'],
  ];
  for (const [text, expected] of table) {
    it(`${text}  →  ${expected}`, () => assert.equal(shape(text), expected));
  }
});

describe('rule parser: ASCII forms, each with one meaning', () => {
  const table: [string, string][] = [
    ['not a and !b or c', '(∨ (∧ (¬ a) (¬ b)) c)'],
    ['a && b || c', '(∨ (∧ a b) c)'],
    ['a -> b -> c', '(⇒ a (⇒ b c))'],
    ['a <- b <- c', '(⇐ (⇐ a b) c)'],
    ['a == b != c', '(≢ (≡ a b) c)'],
    ['a->b', '(⇒ a b)'],
    ['a!=b', '(≢ a b)'],
    ['a&&!b', '(∧ a (¬ b))'],
    ['!!a', '(¬ (¬ a))'],
    ['not not a', '(¬ (¬ a))'],
    ['a ∧ b and c && d', '(∧ (∧ (∧ a b) c) d)'],
    // Keywords are whole words: these are identifiers.
    ['andy ∧ order ∧ nothing ∧ trueish ∧ True', '(∧ (∧ (∧ (∧ andy order) nothing) trueish) True)'],
  ];
  for (const [text, expected] of table) {
    it(`${text}  →  ${expected}`, () => assert.equal(shape(text), expected));
  }

  it('accepts Unicode letters, digits and "_" in identifiers, and any Unicode whitespace', () => {
    assert.equal(shape('sesión ∧ 下载 ∧ a_1 ∧ x2'), '(∧ (∧ (∧ sesión 下载) a_1) x2)');
    assert.equal(shape('\u00a0a\u2003∧\nb\t∨\u3000c\u2028'), '(∨ (∧ a b) c)');
  });

  it('records where each identifier stands, in code units', () => {
    const expr = parseRule('proxy', '𝒜 ∧ down');
    assert.ok(expr.type === 'binary' && expr.right.type === 'ident');
    assert.equal(expr.right.offset, 5);
  });
});

describe('rule parser: errors a person can act on', () => {
  it('names the rule, says what was expected after what, and puts a caret under the column', () => {
    const err = syntaxError('sessions ∧ ∧ campus');
    assert.equal(
      err.message,
      [
        'rule "proxy": expected an identifier, "(", "¬", "true" or "false" after "∧"',
        '  sessions ∧ ∧ campus',
        '             ^',
      ].join('\n'),
    );
    assert.deepEqual(
      [err.ruleName, err.text, err.offset, err.column],
      ['proxy', 'sessions ∧ ∧ campus', 11, 12],
    );
    assert.deepEqual(err.expected, ['an identifier', '"("', '"¬"', '"true"', '"false"']);
  });

  it('counts columns in code points, so letters outside the BMP do not shift the caret', () => {
    const err = syntaxError('𝒜𝒜 ∧ ∨ b');
    assert.equal(err.offset, 7);
    assert.equal(err.column, 6);
    assert.equal(err.message.split('\n')[2], `  ${' '.repeat(5)}^`);
  });

  it('shows tabs and newlines as one column each, so the caret still lines up', () => {
    const err = syntaxError('a\t∧\n∨ b');
    assert.deepEqual(err.message.split('\n').slice(1), ['  a ∧ ∨ b', '      ^']);
  });

  it('refuses ⇒ and ⇐ mixed without parentheses, as the original did', () => {
    const err = syntaxError('A ⇒ B ⇐ C');
    assert.match(err.message, /^rule "proxy": "⇐" cannot follow "⇒" without parentheses/u);
    assert.equal(err.column, 7);
    assert.match(syntaxError('A <- B -> C').message, /"⇒" cannot follow "⇐" without parentheses/u);
  });

  it('names an unknown character', () => {
    assert.equal(syntaxError('a ∧ $').message, 'rule "proxy": unknown character ‘$’\n  a ∧ $\n      ^');
    assert.match(syntaxError('_a').message, /unknown character ‘_’/u);
    assert.match(syntaxError('1a').message, /unknown character ‘1’/u);
    assert.match(syntaxError('a ∧ 😀').message, /unknown character ‘😀’/u);
    assert.match(syntaxError('a & b').message, /unknown character ‘&’/u);
  });

  it('refuses an empty rule', () => {
    for (const text of ['', '   ', '\n']) {
      const err = syntaxError(text);
      assert.match(
        err.message,
        /^rule "proxy": empty rule: expected an identifier, "\(", "¬", "true" or "false"\n/u,
      );
      assert.equal(err.offset, 0);
    }
  });

  it('says what is missing at the end of the rule', () => {
    assert.equal(
      syntaxError('(a ∧ b').message.split('\n')[0],
      'rule "proxy": expected "∧", "∨", "⇒", "⇐", "≡", "≢" or ")" at end of rule',
    );
    const err = syntaxError('a ∧');
    assert.equal(
      err.message.split('\n')[0],
      'rule "proxy": expected an identifier, "(", "¬", "true" or "false" at end of rule',
    );
    assert.equal(err.column, 4);
  });

  it('says where the rule could have ended', () => {
    assert.equal(
      syntaxError('a b').message.split('\n')[0],
      'rule "proxy": expected "∧", "∨", "⇒", "⇐", "≡", "≢" or end of rule after "a"',
    );
    assert.match(syntaxError('a ∧ b)').message, /or end of rule after "b"\n/u);
    assert.match(syntaxError(') a').message, /at start of rule\n/u);
    assert.match(syntaxError('a and or b').message, /after "and"\n/u);
    assert.match(syntaxError('()').message, /after "\("\n/u);
  });

  it('never shows nearley’s state dump: three lines at most, whatever the input', () => {
    const next = random(7);
    const pieces = [
      'a',
      'b',
      '∧',
      '∨',
      '¬',
      '⇒',
      '⇐',
      '≡',
      '≢',
      '(',
      ')',
      'true',
      'and',
      '->',
      '!',
      '$',
      ' ',
    ];
    for (let i = 0; i < 500; i++) {
      const text = Array.from(
        { length: 1 + Math.floor(next() * 8) },
        () => pieces[Math.floor(next() * pieces.length)],
      ).join(' ');
      try {
        parseRule('fuzz', text);
        assert.equal(parseCount(text), 1, text);
      } catch (err) {
        assert.ok(err instanceof RuleSyntaxError, `${text}: ${String(err)}`);
        const lines = err.message.split('\n');
        assert.equal(lines.length, 3, err.message);
        assert.match(lines[2] ?? '', /^ *\^$/u);
      }
    }
  });
});

describe('rule grammar: one parse for every rule', () => {
  it('parses 2000 random rules exactly once, and printing them reads back to the same meaning', () => {
    const next = random(2026);
    for (let i = 0; i < 2000; i++) {
      const expr = randomExpr(next, 4);
      const text = printExpr(expr);
      assert.equal(parseCount(text), 1, text);
      const back = parseRule('random', text);
      assert.equal(printExpr(back), text);
      assert.ok(sameMeaning(expr, back), `${text} read back as ${tree(back)}`);
    }
  });

  it('parses fully parenthesized ASCII spellings of the same rules exactly once, to the same tree', () => {
    const next = random(99);
    const ascii = {
      and: ' && ',
      or: ' or ',
      implies: ' -> ',
      follows: ' <- ',
      equiv: ' == ',
      nequiv: ' != ',
    };
    for (let i = 0; i < 500; i++) {
      const expr = randomExpr(next, 4);
      const spell = (e: typeof expr): string =>
        e.type === 'const'
          ? String(e.value)
          : e.type === 'ident'
            ? e.name
            : e.type === 'not'
              ? `!(${spell(e.operand)})`
              : `(${spell(e.left)}${ascii[e.op]}${spell(e.right)})`;
      const text = spell(expr);
      assert.equal(parseCount(text), 1, text);
      assert.equal(tree(parseRule('random', text)), tree(expr), text);
    }
  });
});
