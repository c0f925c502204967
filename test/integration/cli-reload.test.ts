import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPmproxy, spawnServer, writeConfigDir } from '../helpers/gateway.js';
import { until } from '../helpers/proxy-harness.js';

const managers = (cidr: string) => `rule = "campus"\n[[rangeIPM]]\nname = "campus"\ncidr = "${cidr}"\n`;

describe('pmproxy reload', () => {
  it('has the running server reload and prints the result; refuses to send what check-config refuses', async () => {
    const cfg = writeConfigDir(managers('127.0.0.0/8'));
    const server = await spawnServer(cfg.dir);
    try {
      const pidFile = join(cfg.dir, 'data', 'pmproxy.pid');
      assert.equal(readFileSync(pidFile, 'utf8').trim(), String(server.child.pid));

      writeFileSync(join(cfg.dir, 'managers.toml'), managers('10.0.0.0/8'));
      const applied = await runPmproxy(['reload', '--config', cfg.dir]);
      assert.equal(applied.code, 0, applied.stderr);
      assert.equal(applied.stdout, 'pmproxy: configuration reloaded\n');
      await until(() => server.stdout.includes('pmproxy: configuration reloaded'), 'the server saying so');

      writeFileSync(join(cfg.dir, 'managers.toml'), managers('10.0.0.0/33'));
      const refused = await runPmproxy(['reload', '--config', cfg.dir]);
      assert.equal(refused.code, 78);
      assert.match(refused.stderr, /managers\.toml:4: rangeIPM\[0\]\.cidr: .*10\.0\.0\.0\/33/u);
      assert.match(refused.stderr, /reload not asked for: the running server keeps its configuration\n$/u);
      assert.equal(server.stdout.filter((l) => l.includes('reload')).length, 1, 'nothing was sent');

      // No control socket (an older server): the pid file names whom to send SIGHUP.
      writeFileSync(join(cfg.dir, 'managers.toml'), managers('127.0.0.0/8'));
      rmSync(join(cfg.dir, 'data', 'pmproxy.sock'));
      const signalled = await runPmproxy(['reload', '--config', cfg.dir]);
      assert.equal(signalled.code, 0, signalled.stderr);
      assert.match(signalled.stdout, new RegExp(`sent SIGHUP to process ${server.child.pid}`, 'u'));
      await until(
        () => server.stdout.filter((l) => l === 'pmproxy: configuration reloaded').length === 2,
        'the second reload',
      );

      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
      assert.equal(existsSync(pidFile), false, 'the pid file goes with the server');
      const none = await runPmproxy(['reload', '--config', cfg.dir]);
      assert.equal(none.code, 1);
      assert.match(
        none.stderr,
        /^pmproxy: no server runs on .*pmproxy\.db \(no control socket, no live pid file\)\n$/u,
      );
    } finally {
      server.child.kill('SIGKILL');
      cfg.cleanup();
    }
  });
});
