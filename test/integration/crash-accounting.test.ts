import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { SqliteStore } from '../../src/store/sqlite.js';
import { filesToml, slot } from '../helpers/files-client.js';
import { spawnServer, testServerToml, writeConfigDir } from '../helpers/gateway.js';
import { CAROL_QUOTA_MANAGERS } from '../helpers/quota-managers.js';

const MiB = 1024 * 1024;
/** The origin's pace: 64 KiB every 62.5 ms. */
const RATE = MiB;
const CHUNK = 64 * 1024;
/** Bytes the client has when the server is killed: several seconds of traffic. */
const KILL_AT = 6 * MiB;

/** An origin that sends an endless body at RATE, as a slow download from the Internet does. */
async function pacedOrigin(): Promise<{ server: http.Server; url: string }> {
  const chunk = Buffer.alloc(CHUNK, 0x70);
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const timer = setInterval(() => res.write(chunk), (CHUNK / RATE) * 1000);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/endless` };
}

/**
 * Downloads through the proxy, from 127.0.0.2, until `enough` bytes came; then calls `atEnough`
 * with the request and keeps counting until the connection ends. Resolves with the bytes received.
 */
function download(
  proxyPort: number,
  url: string,
  enough: number,
  atEnough: (req: http.ClientRequest) => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const auth = `Basic ${Buffer.from('carol:carol-pass').toString('base64')}`;
    let received = 0;
    let fired = false;
    const req = http.get(
      {
        host: '127.0.0.1',
        port: proxyPort,
        localAddress: '127.0.0.2',
        path: url,
        headers: { 'Proxy-Authorization': auth },
        agent: false,
      },
      (res) => {
        if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
        res.on('data', (d: Buffer) => {
          received += d.length;
          if (!fired && received >= enough) {
            fired = true;
            atEnough(req);
          }
        });
        res.on('error', () => undefined);
        res.on('close', () => resolve(received));
      },
    );
    req.on('error', () => resolve(received));
  });
}

/** What the store holds for an account, read as a second process (the admin CLI) would. */
function stored(dir: string, manager = 'down', account = 'carol'): number {
  const store = SqliteStore.open(join(dir, 'data/pmproxy.db'));
  try {
    return store.consumption(manager, 0).get(account) ?? 0;
  } finally {
    store.close();
  }
}

const UPLOAD_MANAGERS = `rule = "true"
[policy]
upload = "signed ∧ room"
[[hmacUpload]]
name = "signed"
domain = "chat.example.org"
[[upQuota]]
name = "room"
resetCycle = "24h"
domainQuota = { "chat.example.org" = "1 MB" }
`;

/** A signed PUT to the server's HTTPS listener (printed at start), from 127.0.0.2: the status. */
function upload(apiUrl: string, ca: string, body: Buffer): Promise<number> {
  const url = new URL(apiUrl);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: url.hostname,
        port: url.port,
        path: slot(['crash', 'f.bin'], body.length).url,
        method: 'PUT',
        ca,
        localAddress: '127.0.0.2',
        headers: { 'content-length': String(body.length) },
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('consumption after a crash', () => {
  it('loses at most about a second of traffic to kill -9, whatever persistInterval says', async () => {
    // persistInterval stays at the test default, an hour: only the every-second write can save it.
    const cfg = writeConfigDir(CAROL_QUOTA_MANAGERS, testServerToml());
    const o = await pacedOrigin();
    try {
      const first = await spawnServer(cfg.dir);
      const delivered = await download(first.proxyPort, o.url, KILL_AT, () => first.child.kill('SIGKILL'));
      await first.exited;
      const persisted = stored(cfg.dir);
      // Generous: two seconds of traffic, where one write interval is one second.
      assert.ok(
        persisted >= delivered - 2 * RATE,
        `after kill -9 the store has ${persisted} B, the client received ${delivered} B`,
      );

      const second = await spawnServer(cfg.dir);
      const more = await download(second.proxyPort, o.url, MiB, (req) => {
        // The client leaves first, so the graceful stop has no download to wait for.
        req.destroy();
        second.child.kill('SIGTERM');
      });
      assert.equal(await second.exited, 0);
      assert.ok(
        stored(cfg.dir) >= persisted + more,
        'the restarted server went on from the saved count, and saved the rest at SIGTERM',
      );
    } finally {
      o.server.closeAllConnections();
      o.server.close();
      cfg.cleanup();
    }
  });

  it('has charged an upload the moment it answered 201, so a kill -9 right after keeps the charge', async () => {
    const cfg = writeConfigDir(UPLOAD_MANAGERS, filesToml());
    try {
      const server = await spawnServer(cfg.dir);
      // The API's line comes right after the proxy's, which spawnServer waited for.
      let api: string | undefined;
      for (let waited = 0; api === undefined && waited < 30_000; waited += 25) {
        api = server.stdout.map((l) => /web and API on (https:\/\/\S+)/u.exec(l)?.[1]).find(Boolean);
        if (api === undefined) await delay(25);
      }
      assert.ok(api !== undefined, server.stdout.join('\n'));
      const ca = readFileSync(join(cfg.dir, 'cert.pem'), 'utf8');
      assert.equal(await upload(api, ca, Buffer.alloc(5000, 'u')), 201);
      server.child.kill('SIGKILL');
      await server.exited;
      assert.equal(stored(cfg.dir, 'room', 'xmpp:chat.example.org'), 5000);
    } finally {
      cfg.cleanup();
    }
  });
});
