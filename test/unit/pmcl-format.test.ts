import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { errorOf } from '../../src/cli/pmcl/error-answer.js';
import { formatDiscovery, formatSessions, formatStatus } from '../../src/cli/pmcl/format.js';
import { localTime } from '../../src/util/local-time.js';

describe('pmcl output', () => {
  it('prints discovery as the Go original did, in evaluation order, with the reasons', () => {
    assert.deepEqual(
      formatDiscovery({
        result: 'false',
        allow: false,
        managers: [
          { name: 'campus', type: 'rangeIPM', match: true, reason: '127.0.0.1 is in 127.0.0.0/8' },
          { name: 'sessions', type: 'sessionIPM', match: false },
          { name: 'sites', type: 'hostMatcher', match: null },
        ],
      }),
      [
        'Match result: false',
        '[✅] campus:rangeIPM (127.0.0.1 is in 127.0.0.0/8)',
        '[❌] sessions:sessionIPM',
        '[❔] sites:hostMatcher',
      ],
    );
  });

  it('prints status lines with the quota, the consumption and the reset', () => {
    const base = { user: 'alice', name: 'Alice Demo', groups: ['students', 'staff'], isAdmin: false };
    assert.deepEqual(
      formatStatus({
        ...base,
        manager: 'down',
        quota: '1.0 GB',
        consumption: '12.3 MB',
        resetAt: '2026-11-22T00:00:00.000Z',
      }),
      [
        'User: alice',
        'Name: Alice Demo',
        'Groups: students, staff',
        'Quota: 1.0 GB Consumption: 12.3 MB',
        `Reset: ${localTime('2026-11-22T00:00:00.000Z')}`,
      ],
    );
    assert.deepEqual(
      formatStatus({ ...base, manager: null, quota: null, consumption: null, resetAt: null }).at(-1),
      'Quota: none (no download quota applies)',
    );
  });

  it('prints sessions as "ip - user", naming the manager only when there are several', () => {
    assert.deepEqual(formatSessions([{ manager: 's', ip: '10.0.0.1', user: 'a' }]), ['10.0.0.1 - a']);
    assert.deepEqual(
      formatSessions([
        { manager: 's', ip: '10.0.0.1', user: 'a' },
        { manager: 't', ip: '10.0.0.2', user: 'b' },
      ]),
      ['10.0.0.1 - a (s)', '10.0.0.2 - b (t)'],
    );
  });

  it("reads the API's error object, with the managers a rule's refusal names", () => {
    assert.deepEqual(errorOf({ error: { code: 'not_admin', message: 'alice is not an admin' } }), {
      code: 'not_admin',
      message: 'alice is not an admin',
    });
    assert.deepEqual(
      errorOf({
        error: {
          code: 'forbidden',
          message: 'the api rule does not allow this (false)',
          managers: [{ name: 'campus', type: 'rangeIPM', reason: '10.9.0.1 is not in 10.0.0.0/16' }],
        },
      }),
      {
        code: 'forbidden',
        message: 'the api rule does not allow this (false) [campus: 10.9.0.1 is not in 10.0.0.0/16]',
      },
    );
    for (const bad of [undefined, 'text', { message: 'x' }, { error: { code: 1, message: 'x' } }]) {
      assert.equal(errorOf(bad), undefined);
    }
  });
});
