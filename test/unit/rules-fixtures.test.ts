/** The golden files in test/fixtures/rules: decisions over stub managers, and syntax error messages. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manager, RequestContext, Verdict } from '../../src/managers/types.js';
import { compileRule } from '../../src/rules/compile.js';
import type { Decision } from '../../src/rules/decision.js';
import { evaluate } from '../../src/rules/evaluate.js';
import { parseRule, RuleSyntaxError } from '../../src/rules/parse.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'rules');

function answering(name: string, answer: string): Manager {
  const verdict: Verdict = { match: answer === 'true' ? true : answer === 'false' ? false : undefined };
  return {
    name,
    kind: 'stub',
    test: (): Verdict => {
      if (answer === '!') throw new Error('stub failure');
      return verdict;
    },
    settings: () => ({ name }),
  };
}

describe('rule decisions (test/fixtures/rules/decisions.txt)', () => {
  const cases = readFileSync(join(dir, 'decisions.txt'), 'utf8')
    .split(/\n\s*\n/u)
    .map((block) => block.split('\n').filter((line) => line !== '' && !line.startsWith('#')))
    .filter((lines) => lines.length > 0)
    .map((lines) =>
      Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
      ),
    );
  assert.ok(cases.length >= 10);

  for (const c of cases) {
    const { rule = '', answers = '', result = '', reached = '' } = c;
    it(`${rule} with ${answers}`, async () => {
      const managers = new Map(
        answers.split(/\s+/u).map((pair) => {
          const [name = '', answer = ''] = pair.split('=');
          return [name, answering(name, answer)];
        }),
      );
      const ctx: RequestContext = {
        surface: 'proxy',
        clientIp: '10.0.0.1',
        at: new Date(0),
        users: new Map(),
      };
      const decision: Decision = await evaluate(compileRule('fixture', rule, managers), ctx);
      assert.equal(decision.result, result);
      assert.equal(decision.allow, result === 'true');
      assert.deepEqual(
        decision.trace.map((t) => t.name),
        reached.split(/\s+/u),
      );
    });
  }
});

describe('rule syntax errors (test/fixtures/rules/errors.txt)', () => {
  const cases = readFileSync(join(dir, 'errors.txt'), 'utf8')
    .split(/^----$/mu)
    .slice(1)
    .map((block) => block.replace(/^\n/u, '').replace(/\n$/u, '').split('\n'));
  assert.ok(cases.length >= 5);

  for (const [rule = '', ...message] of cases) {
    it(rule, () => {
      assert.throws(
        () => parseRule('fixture', rule),
        (err: unknown) => {
          assert.ok(err instanceof RuleSyntaxError);
          assert.equal(err.message, message.join('\n'));
          return true;
        },
      );
    });
  }
});
