import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runInNewContext } from 'node:vm';
import { ApiClient } from '../helpers/api-client.js';
import { apiManagersToml } from '../helpers/api-config.js';
import { startGateway, testServerToml, writeConfigDir } from '../helpers/gateway.js';
import type { Gateway } from '../../src/server/gateway.js';

/** Runs a PAC file as a browser does, with the two helpers ours uses. */
function findProxy(pac: string, url: string): unknown {
  const host = new URL(url).hostname;
  return runInNewContext(`${pac}\nFindProxyForURL(${JSON.stringify(url)}, ${JSON.stringify(host)})`, {
    isPlainHostName: (h: string) => !h.includes('.'),
    shExpMatch: (h: string, pattern: string) =>
      new RegExp(`^${pattern.replace('.', '\\.').replace('*', '.*')}$`, 'u').test(h),
  });
}

describe('GET /proxy.pac with the proxy on every interface', () => {
  let config: { dir: string; cleanup: () => void };
  let gateway: Gateway;
  let api: ApiClient;
  let port: number;

  before(async () => {
    // The proxy's listen address (the first in server.toml) on every interface, so the PAC names
    // the host the client asked for.
    const server = testServerToml().replace('addr = "127.0.0.1:0"', 'addr = ":0"');
    config = writeConfigDir(apiManagersToml(), server);
    gateway = await startGateway(config.dir);
    api = ApiClient.of(gateway, config.dir);
    port = gateway.proxyAddress.port;
  });
  after(async () => {
    await gateway.stop();
    config.cleanup();
  });

  it('names the host of the request, as a script that runs', async () => {
    const pac = await api.call('/proxy.pac', { headers: { host: 'gw.campus.example:4443' } });
    assert.equal(pac.status, 200);
    assert.equal(findProxy(pac.text, 'http://example.org/'), `PROXY gw.campus.example:${port}`);
    assert.equal(findProxy(pac.text, 'http://intranet/'), 'DIRECT');
    const v6 = await api.call('/proxy.pac', { headers: { host: '[fd00::1]:4443' } });
    assert.equal(findProxy(v6.text, 'http://example.org/'), `PROXY [fd00::1]:${port}`);
  });

  it('refuses a Host header that is no host, instead of writing it into the script', async () => {
    for (const host of ["x');alert(1);//", 'a"b', 'evil.example/x', '[::1', 'a..b', 'a b']) {
      const pac = await api.call('/proxy.pac', { headers: { host } });
      assert.equal(pac.status, 400, host);
      assert.doesNotMatch(pac.text, /alert|FindProxyForURL/u, host);
    }
  });
});
