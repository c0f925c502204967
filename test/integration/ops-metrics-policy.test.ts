import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient } from '../helpers/api-client.js';
import { startGateway, testServerToml, writeConfigDir } from '../helpers/gateway.js';
import { apiManagersToml } from '../helpers/api-config.js';
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

  it('serves /metrics alone on [metrics.server], and counts logins and API decisions', async () => {
    const cfg = writeConfigDir(
      apiManagersToml(),
      `${testServerToml()}\n[metrics.server]\naddr = "127.0.0.1:0"\n`,
    );
    const gateway = await startGateway(cfg.dir);
    try {
      const api = ApiClient.of(gateway, cfg.dir);
      await api.login('alice', 'alice-pass', '127.0.0.2');
      const wrong = await api.call('/api/login', {
        body: { user: 'alice', pass: 'nope' },
        from: '127.0.0.2',
      });
      assert.equal(wrong.status, 401);
      const port = gateway.observed.metricsServer?.address().port;
      assert.ok(port !== undefined && port > 0);
      const scrape = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(scrape.status, 200);
      const text = await scrape.text();
      assert.match(text, /^pmproxy_logins_total\{result="ok"\} 1$/mu);
      assert.match(text, /^pmproxy_logins_total\{result="refused"\} 1$/mu);
      assert.match(text, /^pmproxy_decisions_total\{surface="api",result="allowed",manager=""\} [2-9]$/mu);
      assert.equal((await fetch(`http://127.0.0.1:${port}/api/status`)).status, 404, 'nothing else');
    } finally {
      await gateway.stop();
      cfg.cleanup();
    }
  });
});
