import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';
import { startOrigin } from '../helpers/origin.js';

const managers = (cidr: string) => `
rule = "campus"
[[rangeIPM]]
name = "campus"
cidr = "${cidr}"
`;

function status(proxyPort: number, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: proxyPort, path: url, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

describe('reloading the configuration', () => {
  it('applies a good new configuration and keeps the old one when the new one is bad', async () => {
    const cfg = writeConfigDir(managers('10.0.0.0/8'));
    const origin = await startOrigin();
    const gateway = await startGateway(cfg.dir);
    try {
      const port = gateway.proxyAddress.port;
      const url = `${origin.base}/bytes/10`;
      assert.equal(await status(port, url), 403);

      writeFileSync(join(cfg.dir, 'managers.toml'), managers('127.0.0.0/8'));
      const good = await gateway.reload();
      assert.equal(good.ok, true);
      assert.equal(await status(port, url), 200, 'the new range lets loopback in');
      assert.equal(gateway.proxyAddress.port, port, 'the listener was kept');

      writeFileSync(join(cfg.dir, 'managers.toml'), managers('127.0.0.0/33'));
      const bad = await gateway.reload();
      assert.equal(bad.ok, false);
      assert.ok(
        bad.messages.some((m) => /rangeIPM\[0\]\.cidr.*127\.0\.0\.0\/33/u.test(m)),
        bad.messages.join('\n'),
      );
      assert.equal(await status(port, url), 200, 'the running configuration stays');
    } finally {
      await gateway.stop();
      await origin.close();
      cfg.cleanup();
    }
  });
});
