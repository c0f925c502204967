import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decidingManager } from '../../src/rules/trace.js';
import type { TraceEntry } from '../../src/rules/decision.js';

const entry = (
  name: string,
  kind: string,
  match: boolean | undefined,
  extra: Partial<TraceEntry> = {},
): TraceEntry => ({
  name,
  kind,
  match,
  ...extra,
});

describe('the manager a denial is put down to (logs, metrics)', () => {
  it('is a used-up quota first, then the proxyAuth of a 407, else the first that said no', () => {
    const sessions = entry('sessions', 'sessionIPM', false);
    const auth = entry('auth', 'proxyAuth', false);
    const down = entry('down', 'dwnConsR', false, { quotaExhausted: true });
    assert.equal(decidingManager({ trace: [sessions, auth] }), 'sessions');
    assert.equal(decidingManager({ trace: [sessions, auth], challenge: 'campus' }), 'auth');
    assert.equal(decidingManager({ trace: [sessions, auth, down], challenge: 'campus' }), 'down');
    assert.equal(decidingManager({ trace: [entry('campus', 'rangeIPM', true)] }), undefined);
  });
});
