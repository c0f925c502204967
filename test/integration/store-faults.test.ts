import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { Gateway } from '../../src/server/gateway.js';
import { ApiClient, errorCode } from '../helpers/api-client.js';
import { apiManagersToml } from '../helpers/api-config.js';
import { Client, filesToml, slot } from '../helpers/files-client.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';

const SIGNED_UPLOADS = '[policy]\nupload = "signed"\n[[hmacUpload]]\nname = "signed"\n';

describe('a store another process holds (sqlite3 left in a transaction, a backup tool)', () => {
  let config: { dir: string; cleanup: () => void };
  let gateway: Gateway;
  let api: ApiClient;
  let files: Client;
  let adminToken: string;

  before(async () => {
    config = writeConfigDir(apiManagersToml(SIGNED_UPLOADS), filesToml());
    gateway = await startGateway(config.dir);
    api = ApiClient.of(gateway, config.dir);
    files = new Client(gateway, readFileSync(join(config.dir, 'cert.pem'), 'utf8'));
    const login = await api.call('/api/login', { body: { user: 'admin', pass: 'admin-pass' } });
    adminToken = (login.json as { token: string }).token;
  });
  after(async () => {
    await gateway.stop(0);
    config.cleanup();
  });

  /** Runs `during` while another connection holds the store's write lock. */
  async function whileLocked(during: () => Promise<void> | void): Promise<void> {
    const other = new Database(join(config.dir, 'data', 'pmproxy.db'));
    other.exec('BEGIN EXCLUSIVE');
    try {
      await during();
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  }

  it('answers 503 with Retry-After, not 500 after a long stall, and works once the lock is gone', async () => {
    const user = { name: 'dora', pass: 'dora-pass-1' };
    const upload = slot(['lock', 'a.txt'], 5);
    await whileLocked(async () => {
      const added = await api.call('/api/users', { body: user, token: adminToken });
      assert.equal(added.status, 503, added.text);
      assert.equal(errorCode(added), 'store_busy');
      assert.equal(added.headers['retry-after'], '1');
      const put = await files.send(upload.url, { body: Buffer.from('hello') });
      assert.equal(put.status, 503, put.text);
      assert.equal(put.headers['retry-after'], '1');
      assert.match(put.text, /store is busy/u);
    });
    // Nothing of the refused upload is visible, and the same slot works now.
    assert.equal((await files.send(`/upload/lock/a.txt`, { method: 'GET' })).status, 404);
    assert.deepEqual(readdirSync(join(config.dir, 'files', '.incoming')), []);
    assert.equal((await files.send(upload.url, { body: Buffer.from('hello') })).status, 201);
    assert.equal((await api.call('/api/users', { body: user, token: adminToken })).status, 201);
  });

  it('keeps the consumption counted during the lock and writes it once the lock is gone', async () => {
    const consumption = gateway.services.consumption;
    await whileLocked(() => {
      consumption.add('down', 'alice', 700);
      assert.throws(() => consumption.flush(), /SQLITE_BUSY|locked/iu);
    });
    consumption.flush();
    const other = new Database(join(config.dir, 'data', 'pmproxy.db'), { readonly: true });
    try {
      const rows = other.prepare('SELECT * FROM consumption').all();
      assert.match(JSON.stringify(rows), /700/u);
    } finally {
      other.close();
    }
  });
});
