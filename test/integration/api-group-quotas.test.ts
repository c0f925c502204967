import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, errorCode } from '../helpers/api-client.js';
import { apiManagersToml } from '../helpers/api-config.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';
import type { Gateway } from '../../src/server/gateway.js';
import type { GroupQuotaRow } from '../../src/api/routes/group-quota-routes.js';
import type { DownloadQuotaManager } from '../../src/managers/dwn-cons-r.js';

const ALICE = '127.0.0.2';
const ADMIN = '127.0.0.3';

describe('group quotas changed at run time', () => {
  let config: { dir: string; cleanup: () => void };
  let gateway: Gateway;
  let api: ApiClient;
  let alice: string;
  let admin: string;

  async function start(): Promise<void> {
    gateway = await startGateway(config.dir);
    api = ApiClient.of(gateway, config.dir);
    alice = await api.login('alice', 'alice-pass', ALICE);
    admin = await api.login('admin', 'admin-pass', ADMIN);
  }
  const down = (): DownloadQuotaManager => gateway.managers.get('down') as DownloadQuotaManager;

  before(async () => {
    config = writeConfigDir(apiManagersToml('', 'sessions ∧ down'));
    await start();
  });
  after(async () => {
    await gateway.stop();
    config.cleanup();
  });

  it('overrides a group quota over the TOML at once and after a restart, then reverts it', async () => {
    assert.equal(down().quotaFor('alice'), 1024);
    const set = await api.call('/api/admin/group-quotas/down/students', {
      method: 'PUT',
      body: { quota: '5 MB' },
      token: admin,
      from: ADMIN,
    });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual(set.json, {
      manager: 'down',
      group: 'students',
      toml: '1.0 KB',
      override: '5.0 MB',
      quota: '5.0 MB',
      bytes: 5 * 1024 * 1024,
    });
    assert.equal(down().quotaFor('alice'), 5 * 1024 * 1024, 'in force at once');

    await gateway.stop();
    await start();
    assert.equal(down().quotaFor('alice'), 5 * 1024 * 1024, 'kept over a restart');
    const list = (await api.call('/api/admin/group-quotas', { token: admin, from: ADMIN }))
      .json as GroupQuotaRow[];
    assert.equal(list.find((r) => r.group === 'students')?.override, '5.0 MB');

    const reverted = await api.call('/api/admin/group-quotas/down/students', {
      method: 'DELETE',
      token: admin,
      from: ADMIN,
    });
    assert.equal(reverted.status, 200, reverted.text);
    assert.equal(down().quotaFor('alice'), 1024);
    const again = await api.call('/api/admin/group-quotas/down/students', {
      method: 'DELETE',
      token: admin,
      from: ADMIN,
    });
    assert.equal(again.status, 404);
  });

  it('refuses bad sizes, unknown quotas and non-admins, changing nothing', async () => {
    for (const body of [{}, { quota: 'much' }, { quota: '1 Gb' }, { quota: 3 }]) {
      const bad = await api.call('/api/admin/group-quotas/down/students', {
        method: 'PUT',
        body,
        token: admin,
        from: ADMIN,
      });
      assert.equal(bad.status, 400, JSON.stringify(body));
    }
    const unknown = await api.call('/api/admin/group-quotas/nope/students', {
      method: 'PUT',
      body: { quota: '1 MB' },
      token: admin,
      from: ADMIN,
    });
    assert.equal(unknown.status, 404);
    const denied = await api.call('/api/admin/group-quotas/down/students', {
      method: 'PUT',
      body: { quota: '1 GB' },
      token: alice,
      from: ALICE,
    });
    assert.equal(errorCode(denied), 'not_admin');
    assert.equal((await api.call('/api/admin/group-quotas', { token: alice, from: ALICE })).status, 403);
    assert.equal(down().quotaFor('alice'), 1024);
  });
});
