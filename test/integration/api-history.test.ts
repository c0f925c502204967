import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, errorCode } from '../helpers/api-client.js';
import { apiManagersToml } from '../helpers/api-config.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';
import type { Gateway } from '../../src/server/gateway.js';
import type { DayTotal } from '../../src/api/routes/history-routes.js';
import { lastDays } from '../../src/util/local-day.js';

const ALICE = '127.0.0.2';
const ADMIN = '127.0.0.3';

interface GroupHistory {
  group: string;
  members: string[];
  days: DayTotal[];
}

/** bytes of `day` in a series; a series always has all 30 days. */
function on(days: DayTotal[], day: string): number | undefined {
  return days.find((d) => d.day === day)?.bytes;
}

describe('daily totals API (the charts)', () => {
  let config: { dir: string; cleanup: () => void };
  let gateway: Gateway;
  let api: ApiClient;
  let alice: string;
  let admin: string;
  const days = lastDays(new Date(), 30);
  const today = days.at(-1) ?? '';
  const lastWeek = days.at(-8) ?? '';

  before(async () => {
    config = writeConfigDir(apiManagersToml('', 'sessions ∧ down'));
    gateway = await startGateway(config.dir);
    api = ApiClient.of(gateway, config.dir);
    alice = await api.login('alice', 'alice-pass', ALICE);
    admin = await api.login('admin', 'admin-pass', ADMIN);
    const { daily } = gateway.services.store;
    daily.add(
      'down',
      lastWeek,
      new Map([
        ['alice', 100],
        ['bob', 20],
        ['admin', 3],
      ]),
    );
    daily.add('other', lastWeek, new Map([['alice', 999]]));
    gateway.services.consumption.add('down', 'alice', 5);
    gateway.services.consumption.writePending();
  });
  after(async () => {
    await gateway.stop();
    config.cleanup();
  });

  it("GET /api/history: the caller's own 30 days under their quota, oldest first", async () => {
    const answer = await api.call('/api/history', { token: alice, from: ALICE });
    assert.equal(answer.status, 200, answer.text);
    const body = answer.json as { manager: string; days: DayTotal[] };
    assert.equal(body.manager, 'down');
    assert.deepEqual(
      body.days.map((d) => d.day),
      days,
    );
    assert.equal(on(body.days, lastWeek), 100, 'only alice, only "down"');
    assert.equal(on(body.days, today), 5);
    assert.equal(
      body.days.reduce((sum, d) => sum + d.bytes, 0),
      105,
    );
    assert.equal((await api.call('/api/history', { from: ALICE })).status, 401);
  });

  it('GET /api/admin/history: per group (a user in two groups counts in both), one group, one user', async () => {
    const all = await api.call('/api/admin/history', { token: admin, from: ADMIN });
    assert.equal(all.status, 200, all.text);
    const groups = (all.json as { groups: GroupHistory[] }).groups;
    assert.deepEqual(
      groups.map((g) => [g.group, g.members.sort(), on(g.days, lastWeek)]),
      [
        ['staff', ['admin', 'bob'], 23],
        ['students', ['alice', 'bob'], 120],
      ],
    );
    const staff = await api.call('/api/admin/history?group=staff', { token: admin, from: ADMIN });
    assert.equal(on((staff.json as GroupHistory).days, lastWeek), 23);
    const bob = await api.call('/api/admin/history?manager=down&user=bob', { token: admin, from: ADMIN });
    assert.equal(on((bob.json as { days: DayTotal[] }).days, lastWeek), 20);
  });

  it('refuses non-admins, unknown quotas, groups and users', async () => {
    const denied = await api.call('/api/admin/history', { token: alice, from: ALICE });
    assert.equal(denied.status, 403);
    assert.equal(errorCode(denied), 'not_admin');
    for (const query of ['manager=other', 'group=nobody', 'user=mallory', 'user=a&user=b']) {
      const answer = await api.call(`/api/admin/history?${query}`, { token: admin, from: ADMIN });
      assert.equal(answer.status, query.includes('&') ? 400 : 404, `${query}: ${answer.text}`);
    }
  });
});
