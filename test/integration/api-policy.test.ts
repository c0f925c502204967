import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiClient, errorCode, errorMessage } from '../helpers/api-client.js';
import { apiManagersToml } from '../helpers/api-config.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';

describe('API rules from [policy]', () => {
  it('the api rule judges every call; the admin rule judges admin calls on top of `admins`', async () => {
    const config = writeConfigDir(
      apiManagersToml(`[policy]
api = "campus"
admin = "adminDesk"

[[rangeIPM]]
name = "campus"
cidr = "127.0.0.0/29"

[[rangeIPM]]
name = "adminDesk"
cidr = "127.0.0.2/32"
`),
    );
    const gateway = await startGateway(config.dir);
    try {
      const api = ApiClient.of(gateway, config.dir);
      const outside = await api.call('/api/discover', { from: '127.0.0.9' });
      assert.equal(outside.status, 403);
      assert.equal(errorCode(outside), 'forbidden');
      assert.match(errorMessage(outside), /api rule/u);
      const atDesk = await api.login('admin', 'admin-pass', '127.0.0.2');
      assert.equal((await api.call('/api/sessions', { token: atDesk, from: '127.0.0.2' })).status, 200);
      const away = await api.login('admin', 'admin-pass', '127.0.0.3');
      const refused = await api.call('/api/sessions', { token: away, from: '127.0.0.3' });
      assert.equal(refused.status, 403);
      assert.equal(errorCode(refused), 'forbidden');
      assert.deepEqual(
        (refused.json as { error: { managers: { name: string }[] } }).error.managers.map((m) => m.name),
        ['adminDesk'],
      );
    } finally {
      await gateway.stop();
      config.cleanup();
    }
  });

  it('a failure inside the server is a bare 500 without details', async () => {
    const config = writeConfigDir(apiManagersToml());
    const gateway = await startGateway(config.dir);
    try {
      const api = ApiClient.of(gateway, config.dir);
      const token = await api.login('alice', 'alice-pass');
      gateway.services.store.close();
      const answer = await api.call('/api/logout', { method: 'POST', token });
      assert.equal(answer.status, 500);
      assert.deepEqual(answer.json, {
        error: { code: 'internal', message: 'internal error; the server log has the details' },
      });
      assert.doesNotMatch(answer.text, /database|sqlite|stack/iu);
    } finally {
      await gateway.stop().catch(() => undefined);
      config.cleanup();
    }
  });
});
