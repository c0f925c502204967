import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { SqliteStore } from '../../src/store/sqlite.js';
import { spawnServer, testServerToml, writeConfigDir } from '../helpers/gateway.js';
import { CAROL_QUOTA_MANAGERS } from '../helpers/quota-managers.js';

async function origin(): Promise<{ server: http.Server; url: string }> {
  const body = Buffer.alloc(200_000, 0x62);
  const server = http.createServer((_req, res) => res.end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/file` };
}

function download(proxyPort: number, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const auth = `Basic ${Buffer.from('carol:carol-pass').toString('base64')}`;
    http
      .get(
        {
          host: '127.0.0.1',
          port: proxyPort,
          path: url,
          headers: { 'Proxy-Authorization': auth },
          agent: false,
        },
        (res) => {
          let n = 0;
          res.on('data', (d: Buffer) => (n += d.length));
          res.on('end', () =>
            res.statusCode === 200 ? resolve(n) : reject(new Error(`status ${res.statusCode}`)),
          );
        },
      )
      .on('error', reject);
  });
}

/** Reads what the store holds for carol, as a second process (the admin CLI) would. */
function stored(dir: string): number {
  const store = SqliteStore.open(join(dir, 'data/pmproxy.db'));
  try {
    let total = 0;
    for (const [user, bytes] of store.consumption('down', 0)) if (user === 'carol') total += bytes;
    return total;
  } finally {
    store.close();
  }
}

describe('consumption across restarts', () => {
  it('is saved at SIGTERM, so a graceful restart loses nothing', async () => {
    const cfg = writeConfigDir(CAROL_QUOTA_MANAGERS);
    const o = await origin();
    try {
      const server = await spawnServer(cfg.dir);
      const received = (await download(server.proxyPort, o.url)) + (await download(server.proxyPort, o.url));
      assert.equal(received, 400_000);
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
      assert.ok(stored(cfg.dir) >= received, `stored ${stored(cfg.dir)} < received ${received}`);
    } finally {
      o.server.close();
      cfg.cleanup();
    }
  });

  it('survives kill -9 within one persist interval', async () => {
    const cfg = writeConfigDir(
      CAROL_QUOTA_MANAGERS,
      testServerToml().replace('persistInterval = "1h"', 'persistInterval = "300ms"'),
    );
    const o = await origin();
    try {
      const first = await spawnServer(cfg.dir);
      const received = await download(first.proxyPort, o.url);
      // Wait until a persist has run (the store shows the download), then kill without warning.
      for (let i = 0; i < 100 && stored(cfg.dir) < received; i++) await delay(100);
      first.child.kill('SIGKILL');
      await first.exited;
      const afterKill = stored(cfg.dir);
      assert.ok(
        afterKill >= received,
        `after kill -9 the store has ${afterKill}, the client received ${received}`,
      );

      const second = await spawnServer(cfg.dir);
      const more = await download(second.proxyPort, o.url);
      second.child.kill('SIGTERM');
      assert.equal(await second.exited, 0);
      assert.ok(stored(cfg.dir) >= afterKill + more, 'the restarted server continues from the saved count');
    } finally {
      o.server.close();
      cfg.cleanup();
    }
  });
});
