import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Gateway } from '../../src/server/gateway.js';
import { startGateway, testServerToml, writeConfigDir } from '../helpers/gateway.js';
import { startRawListener, type RawListener } from '../helpers/origin.js';
import { openTunnel } from '../helpers/proxy-harness.js';

describe('reloading server.toml', () => {
  let gateway: Gateway;
  let echo: RawListener;
  let dir: string;
  let cleanup: () => void;

  before(async () => {
    echo = await startRawListener('echo');
    ({ dir, cleanup } = writeConfigDir('rule = "true"\n'));
    gateway = await startGateway(dir);
  });
  after(async () => {
    await gateway.stop(0);
    await echo.close();
    cleanup();
  });

  const connectStatus = async (): Promise<number> => {
    const tunnel = await openTunnel(gateway.proxyAddress.port, `127.0.0.1:${echo.port}`, {}, '127.0.0.2');
    tunnel.socket.destroy();
    return tunnel.status;
  };

  it('applies a changed connectPorts at once, and says nothing needs a restart', async () => {
    assert.equal(await connectStatus(), 403);
    const server = testServerToml().replace('connectPorts = [443]', `connectPorts = [443, ${echo.port}]`);
    writeFileSync(join(dir, 'server.toml'), server);
    const reloaded = await gateway.reload();
    assert.equal(reloaded.ok, true, reloaded.messages.join('\n'));
    assert.deepEqual(
      reloaded.messages.filter((m) => m.includes('restart')),
      [],
    );
    assert.equal(await connectStatus(), 200);
  });

  it('names exactly the keys that need a restart', async () => {
    const server = testServerToml('persistInterval = "2h"\n')
      .replace('persistInterval = "1h"\n', '')
      .replace('connectPorts = [443]', `connectPorts = [443, ${echo.port}]`)
      .replace('[proxy.server]\naddr = "127.0.0.1:0"', '[proxy.server]\naddr = "127.0.0.1:1"');
    writeFileSync(join(dir, 'server.toml'), server);
    const reloaded = await gateway.reload();
    assert.equal(reloaded.ok, true, reloaded.messages.join('\n'));
    const restart = reloaded.messages.filter((m) => m.includes('restart'));
    assert.deepEqual(restart, [
      'server.toml changed: api.persistInterval, proxy.server.addr apply only after a restart',
    ]);
    // The listener stays where it was, and the tunnel rule of the new file still applies.
    assert.equal(await connectStatus(), 200);
  });
});
