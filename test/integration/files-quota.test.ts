import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
