import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { ApiClient } from '../helpers/api-client.js';
import { apiManagersToml } from '../helpers/api-config.js';
import { startGateway, testServerToml, writeConfigDir } from '../helpers/gateway.js';
import { startRawListener } from '../helpers/origin.js';
import { openTunnel, readToClose } from '../helpers/proxy-harness.js';

function serverToml(connectPort: number): string {
  return testServerToml().replace('connectPorts = [443]', `connectPorts = [${connectPort}]`);
}

describe('the end of a session', () => {
  it(
    'cuts the tunnels it let through at their next chunk (acceptance case 2, second half)',
    { timeout: 15_000 },
    async () => {
      const echo = await startRawListener('echo');
      const config = writeConfigDir(apiManagersToml(), serverToml(echo.port));
      const gateway = await startGateway(config.dir);
      try {
        const api = ApiClient.of(gateway, config.dir);
        const token = await api.login('admin', 'admin-pass');
        const tunnel = await openTunnel(gateway.proxyAddress.port, `127.0.0.1:${echo.port}`);
        assert.equal(tunnel.status, 200, tunnel.head);
        tunnel.socket.resume();
        tunnel.socket.write('before logout');
        const [first] = (await once(tunnel.socket, 'data')) as [Buffer];
        assert.equal(first.toString(), 'before logout');

        tunnel.socket.pause();
        assert.equal((await api.call('/api/logout', { method: 'POST', token })).status, 204);
        const rest = readToClose(tunnel.socket);
        tunnel.socket.write('after logout');
        // The origin still answers; the proxy refuses to deliver it and closes the tunnel.
        assert.equal((await rest).toString(), '');
        assert.ok(echo.allBytes().toString().includes('after logout'));
      } finally {
        await gateway.stop();
        await echo.close();
        config.cleanup();
      }
    },
  );
});
