import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { locateKey } from '../../src/config/locate.js';

const seed = readFileSync(
  join(import.meta.dirname, '..', 'fixtures', 'config', 'pmproxy-seed', 'managers.toml'),
  'utf8',
);

describe('locateKey', () => {
  it("finds keys under pmproxy's README tables, tab-indented", () => {
    assert.equal(locateKey(seed, 'rule'), 1);
    assert.equal(locateKey(seed, 'sessionIPM[0].auth'), 5);
    assert.equal(locateKey(seed, 'dwnConsR[0].resetCycle'), 10);
    assert.equal(locateKey(seed, 'dwnConsR[0].groupQuota.group0'), 12);
    assert.equal(locateKey(seed, 'mapDB.userPass.user0'), 17);
    assert.equal(locateKey(seed, 'mapDB.userGroup.user0'), 19);
  });

  it('counts arrays of tables, so the second [[x]] is x[1]', () => {
    const text = [
      '[[rangeIPM]]',
      'name = "a"',
      '',
      '[[hostMatcher]]',
      'name = "h"',
      '[[rangeIPM]]',
      'name = "b"',
      'cidr = "x"',
    ].join('\n');
    assert.equal(locateKey(text, 'rangeIPM[0].name'), 2);
    assert.equal(locateKey(text, 'rangeIPM[1].name'), 7);
    assert.equal(locateKey(text, 'rangeIPM[1].cidr'), 8);
    assert.equal(locateKey(text, 'hostMatcher[0].name'), 5);
  });

  it('falls back to the enclosing key or table for list items, inline tables and missing keys', () => {
    const text = [
      '[[rangeIPM]]',
      'name = "a"',
      'cidr = [',
      '  "10.0.0.0/8",',
      '  ["not", "a header"],',
      ']',
      'span = { start = "x" }',
      '[api.server]',
      'addr = ":1"',
    ].join('\n');
    assert.equal(locateKey(text, 'rangeIPM[0].cidr[1]'), 3);
    assert.equal(locateKey(text, 'rangeIPM[0].span.start'), 7);
    assert.equal(locateKey(text, 'rangeIPM[0].missing'), 1);
    assert.equal(locateKey(text, 'api.server.addr'), 9);
    assert.equal(locateKey(text, 'api.server.readTimeout'), 8);
    assert.equal(locateKey(text, 'nowhere.at.all'), undefined);
  });

  it('reads dotted and quoted keys, and skips multi-line strings', () => {
    const text = [
      '[mapDB]',
      '"user.one" = 1',
      'userPass."bob" = "x"',
      'note = """',
      'fake = 1',
      '"""',
      'fake = 2',
    ].join('\n');
    assert.equal(locateKey(text, 'mapDB.user.one'), 2);
    assert.equal(locateKey(text, 'mapDB.userPass.bob'), 3);
    assert.equal(locateKey(text, 'mapDB.fake'), 7);
  });
});
