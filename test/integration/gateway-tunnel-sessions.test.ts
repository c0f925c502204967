import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hashPassword } from '../../src/auth/passwords.js';
import type { Gateway } from '../../src/server/gateway.js';
import { apiManagersToml } from '../helpers/api-config.js';
import { startGateway, testServerToml, writeConfigDir } from '../helpers/gateway.js';

const run = promisify(execFile);

describe('HTTP/2 sessions reached through the proxy', () => {
  let gateway: Gateway;
  let cleanup: () => void;
  let cert: string;

  before(async () => {
    // Long session timers: only the client's leaving can close its session within the test.
    const server = testServerToml().replace(
      '[api.server]\naddr = "127.0.0.1:0"',
      '[api.server]\naddr = "127.0.0.1:0"\nreadTimeout = "60s"\nidleTimeout = "60s"',
    );
    // An argon2 hash, as real users have: the login then takes as long as it does for them.
    const managers = apiManagersToml('', 'sessions').replace(
      'bob = "bob-pass"',
      `bob = "${await hashPassword('bob-pass')}"`,
    );
    const cfg = writeConfigDir(managers, server);
    cleanup = cfg.cleanup;
    gateway = await startGateway(cfg.dir);
    cert = join(cfg.dir, 'cert.pem');
  });
  after(async () => {
    await gateway.stop(0);
    cleanup();
  });

  /** A login by curl -x, as a user without a browser logs in through the proxy: HTTP/2 in a CONNECT tunnel. */
  async function curlThroughProxy(from: string): Promise<string> {
    const { stdout } = await run('curl', [
      '-s',
      '--interface',
      from,
      '-x',
      `http://127.0.0.1:${gateway.proxyAddress.port}`,
      '--cacert',
      cert,
      '-o',
      '/dev/null',
      '-w',
      '%{http_code} %{http_version}',
      '-H',
      'content-type: application/json',
      '-d',
      JSON.stringify({ user: 'bob', pass: 'bob-pass' }),
      `https://127.0.0.1:${gateway.web.address().port}/api/login`,
    ]);
    return stdout;
  }

  it('end when the client leaves, not at the idle timeout', async () => {
    for (let i = 0; i < 20; i++) assert.equal(await curlThroughProxy(`127.0.0.${2 + i}`), '200 2');
    // Each curl has exited: its tunnel and the HTTP/2 session in it are over (a bound on waiting).
    const until = Date.now() + 5_000;
    while (gateway.web.connections.open() > 0 || gateway.proxy.stats().connections > 0) {
      if (Date.now() > until) {
        assert.fail(
          `still open: ${gateway.web.connections.open()} on the API, ${gateway.proxy.stats().connections} on the proxy`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(await curlThroughProxy('127.0.0.30'), '200 2');
  });
});
