import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RefusalLog } from '../../src/proxy/refusal-log.js';

const at = (n: number) => new Date(Date.UTC(2026, 11, 2, 12, 0, n)).toISOString();

describe('the refusal log', () => {
  it('gives an address its own refusals and a user theirs, newest first, each once', () => {
    const log = new RefusalLog(5, 100);
    log.record('10.0.0.1', 'alice', { at: at(1), host: 'a.example', why: 'x' });
    log.record('10.0.0.2', 'alice', { at: at(2), host: 'b.example', why: 'y' });
    log.record('10.0.0.2', undefined, { at: at(3), host: 'c.example', why: 'z' });
    assert.deepEqual(
      log.recent('10.0.0.1', 'alice').map((r) => r.host),
      ['b.example', 'a.example'],
    );
    assert.deepEqual(
      log.recent('10.0.0.1').map((r) => r.host),
      ['a.example'],
    );
    assert.deepEqual(log.recent('10.0.0.9'), []);
  });

  it('stays bounded under a flood from many addresses and names', () => {
    const log = new RefusalLog(3, 50);
    for (let i = 0; i < 10_000; i++) {
      log.record(`10.0.${i >> 8}.${i & 255}`, `user${i}`, { at: at(i % 60), host: 'h', why: 'w' });
    }
    log.record('10.9.9.9', undefined, { at: at(1), host: 'h', why: 'w' });
    for (let i = 0; i < 10; i++) log.record('10.9.9.9', undefined, { at: at(i), host: `h${i}`, why: 'w' });
    assert.equal(log.recent('10.9.9.9').length, 3);
    // The first addresses are long forgotten.
    assert.deepEqual(log.recent('10.0.0.0'), []);
  });
});
