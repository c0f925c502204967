import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:https';
import type { DownloadQuotaManager } from '../../src/managers/dwn-cons-r.js';
import type { UploadQuotaManager } from '../../src/managers/up-quota.js';
import type { Gateway } from '../../src/server/gateway.js';
import { Client, filesToml, slot } from '../helpers/files-client.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';

const MANAGERS = `rule = "true"
[policy]
upload = "signed ∧ room"
[[hmacUpload]]
name = "signed"
domain = "chat.example.org"
[[upQuota]]
name = "room"
resetCycle = "24h"
domainQuota = { "chat.example.org" = "50 B" }
`;

describe('file server: upload quota per signing domain', () => {
  let gateway: Gateway;
  let client: Client;
  let dir: string;
  let cleanup: () => void;

  before(async () => {
    ({ dir, cleanup } = writeConfigDir(MANAGERS, filesToml()));
    gateway = await startGateway(dir);
    client = new Client(gateway, readFileSync(join(dir, 'cert.pem'), 'utf8'));
  });
  after(async () => {
    await gateway.stop();
    cleanup();
  });

  it('charges each stored upload to its domain and refuses an upload that would not fit', async () => {
    const room = gateway.managers.get('room') as UploadQuotaManager;
    const bytes = Buffer.alloc(20, 'q');
    assert.equal((await client.send(slot(['q', '1.bin'], 20).url, { body: bytes })).status, 201);
    assert.equal(room.consumption('xmpp:chat.example.org'), 20);
    // A refused upload (409) charges nothing.
    assert.equal((await client.send(slot(['q', '1.bin'], 20).url, { body: bytes })).status, 409);
    assert.equal(room.consumption('xmpp:chat.example.org'), 20);
    assert.equal((await client.send(slot(['q', '2.bin'], 20).url, { body: bytes })).status, 201);
    const over = await client.send(slot(['q', '3.bin'], 20).url, { body: bytes });
    assert.equal(over.status, 403);
    assert.match(over.text, /room: quota reached: 40 B of 50 B used/u);
    assert.equal(existsSync(join(dir, 'files', 'q', '3.bin')), false);
    assert.equal(room.consumption('xmpp:chat.example.org'), 40);
    assert.equal(gateway.services.store.files.current('q/1.bin')?.uploader, 'xmpp:chat.example.org');
  });
});

/** A GET read to its end or to the connection's cut, whichever comes. */
function download(gateway: Gateway, ca: string, path: string): Promise<{ complete: boolean; bytes: Buffer }> {
  const url = new URL(gateway.web.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => undefined);
      res.on('close', () => resolve({ complete: res.complete, bytes: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('file server: downloads charged to a download quota', () => {
  it('charges what the download rule reaches, and cuts the download where the quota ends', async () => {
    const managers = `rule = "true"
[policy]
upload = "signed"
download = "campus ∧ sessions ∧ down"
[[hmacUpload]]
name = "signed"
[[rangeIPM]]
name = "campus"
cidr = "127.0.0.0/8"
[mapDB]
name = "users"
[mapDB.userPass]
alice = "alice-pass"
[mapDB.userGroup]
alice = ["students"]
[[sessionIPM]]
name = "sessions"
auth = "users"
[[dwnConsR]]
name = "down"
userDBN = "users"
resetCycle = "24h"
[dwnConsR.groupQuota]
students = "100 KB"
`;
    const { dir, cleanup } = writeConfigDir(managers, filesToml());
    const gateway = await startGateway(dir);
    try {
      const client = new Client(gateway, readFileSync(join(dir, 'cert.pem'), 'utf8'));
      const bytes = Buffer.alloc(60 * 1024, 'd');
      const { url } = slot(['dq', 'big.bin'], bytes.length);
      assert.equal((await client.send(url, { body: bytes })).status, 201);
      const link = url.replace(/\?.*$/u, '');
      const anonymous = await client.send(link, { method: 'GET' });
      assert.equal(anonymous.status, 403);
      assert.match(anonymous.text, /the download rule does not allow this \(sessions: /u);

      gateway.services.sessions.open('sessions', 'users', '127.0.0.1', 'alice');
      const down = gateway.managers.get('down') as DownloadQuotaManager;
      const ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
      const first = await download(gateway, ca, link);
      assert.equal(first.complete, true);
      assert.deepEqual(first.bytes, bytes);
      assert.equal(down.consumption('alice'), bytes.length);
      // 60 KiB more does not fit in the 40 KiB left: the body stops where the quota does, and the
      // connection is cut so the client cannot take the short body for the file.
      const second = await download(gateway, ca, link);
      assert.equal(second.complete, false);
      assert.equal(second.bytes.length, 40 * 1024);
      assert.equal(down.consumption('alice'), 100 * 1024);
    } finally {
      await gateway.stop();
      cleanup();
    }
  });
});
