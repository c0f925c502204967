import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, errorCode } from '../helpers/api-client.js';
import { apiManagersToml } from '../helpers/api-config.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';
import type { Gateway } from '../../src/server/gateway.js';
import type { UsageRow } from '../../src/api/routes/admin-usage-routes.js';

const ALICE = '127.0.0.2';
const ADMIN = '127.0.0.3';

describe('admin usage API', () => {
  let config: { dir: string; cleanup: () => void };
  let gateway: Gateway;
  let api: ApiClient;
  let alice: string;
  let admin: string;

  before(async () => {
    config = writeConfigDir(apiManagersToml('', 'sessions ∧ down'));
    gateway = await startGateway(config.dir);
    api = ApiClient.of(gateway, config.dir);
    alice = await api.login('alice', 'alice-pass', ALICE);
    admin = await api.login('admin', 'admin-pass', ADMIN);
  });
  after(async () => {
    await gateway.stop();
    config.cleanup();
  });

  it('GET /api/admin/usage lists every user with database, consumption, quota and last activity', async () => {
    gateway.services.consumption.set('down', 'alice', 3 * 1024 * 1024);
    const answer = await api.call('/api/admin/usage', { token: admin, from: ADMIN });
    assert.equal(answer.status, 200, answer.text);
    const rows = answer.json as UsageRow[];
    const alices = rows.find((r) => r.name === 'alice' && r.db === 'users');
    assert.ok(alices, JSON.stringify(rows));
    assert.equal(alices.readOnly, true);
    assert.equal(alices.manager, 'down');
    assert.equal(alices.bytesCons, 3 * 1024 * 1024);
    assert.equal(alices.consumption, '3.0 MB');
    assert.equal(typeof alices.bytesQuota, 'number');
    assert.ok(!Number.isNaN(Date.parse(alices.lastActivity ?? '')), 'alice has a session');
    assert.deepEqual([...alices.groups].length > 0, true);
  });

  it('is for admins only', async () => {
    const denied = await api.call('/api/admin/usage', { token: alice, from: ALICE });
    assert.equal(denied.status, 403);
    assert.equal(errorCode(denied), 'not_admin');
    assert.equal((await api.call('/api/admin/usage', { from: ALICE })).status, 401);
    const put = await api.call('/api/admin/usage/alice', {
      method: 'PUT',
      body: { consumption: '0' },
      token: alice,
      from: ALICE,
    });
    assert.equal(put.status, 403);
  });

  it('PUT /api/admin/usage/:user sets a consumption from a size, 400 for a bad one, 404 for nobody', async () => {
    const set = await api.call('/api/admin/usage/alice', {
      method: 'PUT',
      body: { consumption: '30 MB' },
      token: admin,
      from: ADMIN,
    });
    assert.equal(set.status, 200, set.text);
    assert.equal(gateway.services.consumption.used('down', 'alice'), 30 * 1024 * 1024);
    for (const body of [
      {},
      { consumption: 'lots' },
      { consumption: '10 Mb' },
      { consumption: 5 },
      { consumption: '' },
    ]) {
      const bad = await api.call('/api/admin/usage/alice', {
        method: 'PUT',
        body,
        token: admin,
        from: ADMIN,
      });
      assert.equal(bad.status, 400, JSON.stringify(body));
    }
    assert.equal(
      gateway.services.consumption.used('down', 'alice'),
      30 * 1024 * 1024,
      'bad input lost nothing',
    );
    const reset = await api.call('/api/admin/usage/alice', {
      method: 'PUT',
      body: { consumption: '0' },
      token: admin,
      from: ADMIN,
    });
    assert.equal(reset.status, 200);
    assert.equal(gateway.services.consumption.used('down', 'alice'), 0);
    const nobody = await api.call('/api/admin/usage/nobody', {
      method: 'PUT',
      body: { consumption: '1 KB' },
      token: admin,
      from: ADMIN,
    });
    assert.equal(nobody.status, 404);
  });
});
