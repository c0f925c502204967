import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import vm from 'node:vm';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';

const MANAGERS = `
rule = "campus"
[[rangeIPM]]
name = "campus"
cidr = ["127.0.0.0/8"]
`;

function get(
  port: number,
  path: string,
  method = 'GET',
): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** Runs a PAC script as a browser would, with the helpers PAC scripts may call. */
function findProxy(script: string, url: string): string {
  const sandbox = {
    isPlainHostName: (h: string) => !h.includes('.'),
    shExpMatch: (s: string, pattern: string) =>
      new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/gu, '\\$&').replace(/\*/gu, '.*')}$`, 'u').test(s),
    result: '',
  };
  vm.runInNewContext(
    `${script}\nresult = FindProxyForURL(${JSON.stringify(url)}, ${JSON.stringify(new URL(url).hostname)});`,
    sandbox,
  );
  return sandbox.result;
}

describe('the proxy serves its own PAC file over plain HTTP', () => {
  it('answers /proxy.pac and /wpad.dat on its port, sending the gateway itself DIRECT', async () => {
    const cfg = writeConfigDir(MANAGERS);
    const gateway = await startGateway(cfg.dir);
    try {
      const port = gateway.proxyAddress.port;
      for (const path of ['/proxy.pac', '/wpad.dat']) {
        const pac = await get(port, path);
        assert.equal(pac.status, 200, pac.body);
        assert.equal(pac.type, 'application/x-ns-proxy-autoconfig');
        assert.equal(findProxy(pac.body, 'http://example.org/a'), `PROXY 127.0.0.1:${port}`);
        assert.equal(findProxy(pac.body, 'https://example.org/'), `PROXY 127.0.0.1:${port}`);
        assert.equal(findProxy(pac.body, `${gateway.web.url}/login`), 'DIRECT');
      }
      assert.equal((await get(port, '/proxy.pac', 'HEAD')).status, 200);
      assert.equal((await get(port, '/proxy.pac', 'POST')).status, 405);
      // Other origin-form paths are still no proxy request.
      assert.equal((await get(port, '/index.html')).status, 400);
    } finally {
      await gateway.stop(0);
      cfg.cleanup();
    }
  });
});
