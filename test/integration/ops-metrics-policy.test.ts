import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient } from '../helpers/api-client.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';
import { mayScrape } from '../../src/metrics/metrics-access.js';

describe('who may read /metrics', () => {
  it('by default the gateway host only; with [policy] metrics, whom its rule allows', async () => {
    const open = writeConfigDir('rule = "true"\n');
    const ruled = writeConfigDir(`
rule = "true"
[policy]
metrics = "scraper"
[[rangeIPM]]
name = "scraper"
cidr = "127.0.0.4/32"
`);
    const [byDefault, byRule] = await Promise.all([startGateway(open.dir), startGateway(ruled.dir)]);
    try {
      const deps = (g: typeof byDefault) => ({
        config: () => g.config,
        policy: () => g.policy,
        now: () => new Date(),
      });
      assert.equal((await mayScrape(deps(byDefault), '10.0.0.1')).ok, false, 'another host');
      assert.equal((await mayScrape(deps(byDefault), '::1')).ok, true);
      assert.equal((await mayScrape(deps(byDefault), '::ffff:127.0.0.1')).ok, true);
      assert.equal(
        (await ApiClient.of(byDefault, open.dir).call('/metrics', { from: '127.0.0.4' })).status,
        200,
      );

      const client = ApiClient.of(byRule, ruled.dir);
      assert.equal((await client.call('/metrics', { from: '127.0.0.4' })).status, 200);
      const refused = await client.call('/metrics', { from: '127.0.0.1' });
      assert.equal(refused.status, 403);
      assert.match(refused.text, /the metrics rule does not allow this \(false\)/u);
    } finally {
      await Promise.all([byDefault.stop(), byRule.stop()]);
      open.cleanup();
      ruled.cleanup();
    }
  });
});
