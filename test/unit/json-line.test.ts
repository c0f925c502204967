import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonLine } from '../../src/util/json-line.js';

const BASE = '"app":"pmproxy"';

function parse(line: string): Record<string, unknown> {
  assert.ok(line.endsWith('}\n'), 'one line, newline-terminated');
  assert.equal(line.indexOf('\n'), line.length - 1, 'no newline inside the line');
  return JSON.parse(line) as Record<string, unknown>;
}

describe('jsonLine', () => {
  it('writes pino-shaped lines: level number, time, base, fields, msg last', () => {
    const line = jsonLine('info', 1_700_000_000_000, BASE, 'access', { kind: 'access', status: 200 });
    assert.equal(
      line,
      '{"level":30,"time":1700000000000,"app":"pmproxy","kind":"access","status":200,"msg":"access"}\n',
    );
    assert.equal(parse(jsonLine('warn', 1, BASE, 'w', undefined))['level'], 40);
    assert.equal(parse(jsonLine('error', 1, BASE, 'e', {}))['level'], 50);
  });

  it('escapes what JSON needs escaped, in keys, values and the message', () => {
    const nasty = 'quote " backslash \\ newline \n tab \t nul \u0000 del \u007f ünï 日本 🙂';
    const parsed = parse(jsonLine('info', 1, BASE, nasty, { [nasty]: nasty, host: 'a"b' }));
    assert.equal(parsed['msg'], nasty);
    assert.equal(parsed[nasty], nasty);
    assert.equal(parsed['host'], 'a"b');
  });

  it('keeps a lone surrogate from breaking the line (written as an escape, as JSON.stringify does)', () => {
    const line = jsonLine('info', 1, BASE, 'm', { user: 'x\ud800y' });
    assert.ok(line.includes('\\ud800'), line);
    assert.equal(parse(line)['user'], 'x\ud800y');
    assert.ok(Buffer.from(line, 'utf8').toString('utf8') === line, 'valid UTF-8 round trip');
  });

  it('leaves out undefined fields and functions; numbers, booleans, bigints, objects as JSON', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const parsed = parse(
      jsonLine('info', 1, BASE, 'm', {
        gone: undefined,
        fn: () => 1,
        n: 1.5,
        inf: Infinity,
        yes: true,
        big: 12n,
        list: [1, 'a'],
        nested: { a: null },
        cyclic,
      }),
    );
    assert.equal('gone' in parsed, false);
    assert.equal('fn' in parsed, false);
    assert.equal(parsed['n'], 1.5);
    assert.equal(parsed['inf'], null);
    assert.equal(parsed['yes'], true);
    assert.equal(parsed['big'], 12);
    assert.deepEqual(parsed['list'], [1, 'a']);
    assert.deepEqual(parsed['nested'], { a: null });
    assert.equal(parsed['cyclic'], '[unserializable]');
  });
});
