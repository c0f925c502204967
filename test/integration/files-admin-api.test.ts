import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Gateway } from '../../src/server/gateway.js';
import type { Logger } from '../../src/util/logger.js';
import { ApiClient, errorCode, errorMessage, type ApiAnswer } from '../helpers/api-client.js';
import { apiManagersToml } from '../helpers/api-config.js';
import { Client, filesToml, slot } from '../helpers/files-client.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';

interface Version {
  version: number;
  size: number;
  contentType: string;
  sha256: string;
  uploader: string;
  uploadedAt: string;
}
interface Listed extends Version {
  path: string;
  versions: number;
  url: string;
}
interface Listing {
  files: Listed[];
  truncated: boolean;
  usage: { files: number; bytes: number; contents: number; storedBytes: number };
}

const UPLOADS = '[policy]\nupload = "signed"\n[[hmacUpload]]\nname = "signed"\n';
const ADMIN = '127.0.0.3';
const ALICE = '127.0.0.2';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const query = (path: string): string => `?path=${encodeURIComponent(path)}`;

describe('admin API: stored files', () => {
  let config: { dir: string; cleanup: () => void };
  let gateway: Gateway;
  let api: ApiClient;
  let admin: string;
  let alice: string;
  let store: string;
  const logged: { msg: string; fields: Record<string, unknown> | undefined }[] = [];
  const log: Logger = { info: (msg, fields) => logged.push({ msg, fields }), warn() {}, error() {} };

  const twin = Buffer.alloc(50_000, 'twin');
  const other = Buffer.from('another text entirely');
  const unicodeName = 'ünï cödé.txt';

  before(async () => {
    config = writeConfigDir(apiManagersToml(UPLOADS), filesToml());
    gateway = await Gateway.start({ configDir: config.dir, log, accessToStdout: false });
    api = ApiClient.of(gateway, config.dir);
    store = join(config.dir, 'files');
    const uploader = new Client(gateway, readFileSync(join(config.dir, 'cert.pem'), 'utf8'));
    for (const [parts, body] of [
      [['d1', 'a.bin'], twin],
      [['d2', 'b.bin'], twin],
      [['d3', unicodeName], other],
    ] as const) {
      const put = await uploader.send(slot([...parts], body.length).url, { body });
      assert.equal(put.status, 201, put.text);
    }
    admin = await api.login('admin', 'admin-pass', ADMIN);
    alice = await api.login('alice', 'alice-pass', ALICE);
  });
  after(async () => {
    await gateway.stop();
    config.cleanup();
  });

  const asAdmin = (path: string, method = 'GET'): Promise<ApiAnswer> =>
    api.call(path, { method, token: admin, from: ADMIN });

  it('lists current versions by path with their download URL, and the usage', async () => {
    const answer = await asAdmin('/api/admin/files');
    assert.equal(answer.status, 200, answer.text);
    const listing = answer.json as Listing;
    assert.deepEqual(
      listing.files.map((f) => [f.path, f.size, f.sha256, f.version, f.versions, f.url]),
      [
        ['d1/a.bin', twin.length, sha256(twin), 1, 1, '/upload/d1/a.bin'],
        ['d2/b.bin', twin.length, sha256(twin), 1, 1, '/upload/d2/b.bin'],
        [
          `d3/${unicodeName}`,
          other.length,
          sha256(other),
          1,
          1,
          '/upload/d3/%C3%BCn%C3%AF%20c%C3%B6d%C3%A9.txt',
        ],
      ],
    );
    const first = listing.files[0] as Listed;
    assert.equal(first.contentType, 'application/octet-stream');
    assert.match(first.uploader, /^xmpp:/u);
    assert.ok(Math.abs(Date.parse(first.uploadedAt) - Date.now()) < 60_000, first.uploadedAt);
    assert.equal(listing.truncated, false);
    // The twins are stored once: one content fewer than files.
    assert.deepEqual(listing.usage, {
      files: 3,
      bytes: 2 * twin.length + other.length,
      contents: 2,
      storedBytes: twin.length + other.length,
    });
  });

  it('narrows by prefix, cuts at limit, and refuses a bad limit with 400', async () => {
    const d3 = (await asAdmin(`/api/admin/files?prefix=${encodeURIComponent('d3/ün')}`)).json as Listing;
    assert.deepEqual(
      d3.files.map((f) => f.path),
      [`d3/${unicodeName}`],
    );
    const one = (await asAdmin('/api/admin/files?limit=1')).json as Listing;
    assert.deepEqual(
      one.files.map((f) => f.path),
      ['d1/a.bin'],
    );
    assert.equal(one.truncated, true);
    for (const limit of ['0', '-1', 'ten', '1.5', '10001', '']) {
      const bad = await asAdmin(`/api/admin/files?limit=${limit}`);
      assert.equal(bad.status, 400, `limit=${limit}: ${bad.text}`);
      assert.equal(errorCode(bad), 'bad_request');
    }
  });

  it('shows every version of one path; 404 for a path never stored', async () => {
    const answer = await asAdmin(`/api/admin/files/versions${query(`d3/${unicodeName}`)}`);
    assert.equal(answer.status, 200, answer.text);
    const body = answer.json as { path: string; url: string; versions: Version[] };
    assert.equal(body.path, `d3/${unicodeName}`);
    assert.deepEqual(
      body.versions.map((v) => [v.version, v.size, v.sha256]),
      [[1, other.length, sha256(other)]],
    );
    const missing = await asAdmin(`/api/admin/files/versions${query('d3/nothing.txt')}`);
    assert.equal(missing.status, 404);
    assert.equal(errorCode(missing), 'not_found');
  });

  it('is for admins only: 403 for a user, 401 without a token', async () => {
    for (const [path, method] of [
      ['/api/admin/files', 'GET'],
      [`/api/admin/files/versions${query('d1/a.bin')}`, 'GET'],
      [`/api/admin/files${query('d1/a.bin')}`, 'DELETE'],
    ] as const) {
      const user = await api.call(path, { method, token: alice, from: ALICE });
      assert.equal(user.status, 403, `${method} ${path}`);
      assert.equal(errorCode(user), 'not_admin');
      const nobody = await api.call(path, { method, from: ALICE });
      assert.equal(nobody.status, 401, `${method} ${path}`);
    }
    assert.ok(existsSync(join(store, 'd1', 'a.bin')));
  });

  it('refuses traversal, the store folders and malformed names with 400, deleting nothing', async () => {
    const before = readdirSync(config.dir, { recursive: true, encoding: 'utf8' }).sort();
    for (const path of [
      '../server.toml',
      'd1/../../server.toml',
      'd1/./a.bin',
      '/d1/a.bin',
      'd1//a.bin',
      'd1\\a.bin',
      'd1/a.bin\0',
      '.blobs',
      `.blobs/${sha256(twin).slice(0, 2)}/${sha256(twin)}`,
      '.incoming/x',
      '',
    ]) {
      const answer = await asAdmin(`/api/admin/files${query(path)}`, 'DELETE');
      assert.equal(answer.status, 400, `${JSON.stringify(path)}: ${answer.text}`);
      assert.equal(errorCode(answer), 'bad_request');
    }
    const versions = await asAdmin(`/api/admin/files/versions${query('../server.toml')}`);
    assert.equal(versions.status, 400);
    assert.deepEqual(readdirSync(config.dir, { recursive: true, encoding: 'utf8' }).sort(), before);
  });

  it('refuses a name whose folder is a symbolic link leading out of the store', async () => {
    symlinkSync(config.dir, join(store, 'escape'));
    const answer = await asAdmin(`/api/admin/files${query('escape/server.toml')}`, 'DELETE');
    assert.equal(answer.status, 400, answer.text);
    assert.match(errorMessage(answer), /outside the storage directory/u);
    assert.ok(existsSync(join(config.dir, 'server.toml')));
  });

  it('refuses a folder with 409', async () => {
    const answer = await asAdmin(`/api/admin/files${query('d2')}`, 'DELETE');
    assert.equal(answer.status, 409, answer.text);
    assert.deepEqual(readFileSync(join(store, 'd2', 'b.bin')), twin);
  });

  it('deletes a name, keeping its twin intact; 404 on a second delete; logs who did it', async () => {
    const answer = await asAdmin(`/api/admin/files${query('d1/a.bin')}`, 'DELETE');
    assert.equal(answer.status, 200, answer.text);
    const body = answer.json as { path: string; removed: Version[]; untracked: boolean };
    assert.equal(body.path, 'd1/a.bin');
    assert.deepEqual(
      body.removed.map((v) => [v.version, v.size, v.sha256]),
      [[1, twin.length, sha256(twin)]],
    );
    assert.equal(body.untracked, false);
    assert.equal(existsSync(join(store, 'd1', 'a.bin')), false);
    assert.equal(existsSync(join(store, 'd1')), false, 'the emptied folder goes too');
    assert.deepEqual(readFileSync(join(store, 'd2', 'b.bin')), twin);
    assert.ok(existsSync(join(store, '.blobs', sha256(twin).slice(0, 2), sha256(twin))));
    assert.equal(gateway.services.store.files.current('d1/a.bin'), undefined);

    const entry = logged.find((l) => l.msg === 'file deleted by an admin');
    assert.deepEqual(entry?.fields, {
      kind: 'files',
      path: 'd1/a.bin',
      versions: 1,
      untracked: false,
      admin: 'admin',
    });

    const again = await asAdmin(`/api/admin/files${query('d1/a.bin')}`, 'DELETE');
    assert.equal(again.status, 404, again.text);
    assert.equal(errorCode(again), 'not_found');

    const listing = (await asAdmin('/api/admin/files')).json as Listing;
    assert.deepEqual(listing.usage, {
      files: 2,
      bytes: twin.length + other.length,
      contents: 2,
      storedBytes: twin.length + other.length,
    });
  });

  it('drops the content once its last name goes; removes a file on disk the catalog did not know', async () => {
    const blob = join(store, '.blobs', sha256(other).slice(0, 2), sha256(other));
    assert.ok(existsSync(blob));
    const unicode = await asAdmin(`/api/admin/files${query(`d3/${unicodeName}`)}`, 'DELETE');
    assert.equal(unicode.status, 200, unicode.text);
    assert.equal(existsSync(blob), false);
    assert.equal(existsSync(join(store, 'd3')), false);

    mkdirSync(join(store, 'by-hand'));
    writeFileSync(join(store, 'by-hand', 'notes.txt'), 'copied in');
    const untracked = await asAdmin(`/api/admin/files${query('by-hand/notes.txt')}`, 'DELETE');
    assert.equal(untracked.status, 200, untracked.text);
    assert.deepEqual(untracked.json, { path: 'by-hand/notes.txt', removed: [], untracked: true });
    assert.equal(existsSync(join(store, 'by-hand', 'notes.txt')), false);
    assert.deepEqual(readFileSync(join(store, 'd2', 'b.bin')), twin);
  });
});

describe('admin API: stored files without [files]', () => {
  it('answers 404 no_file_server', async () => {
    const config = writeConfigDir(apiManagersToml());
    const gateway = await startGateway(config.dir);
    try {
      const api = ApiClient.of(gateway, config.dir);
      const admin = await api.login('admin', 'admin-pass', ADMIN);
      for (const [path, method] of [
        ['/api/admin/files', 'GET'],
        [`/api/admin/files/versions${query('a/b.txt')}`, 'GET'],
        [`/api/admin/files/download${query('a/b.txt')}`, 'GET'],
        [`/api/admin/files${query('a/b.txt')}`, 'DELETE'],
      ] as const) {
        const answer = await api.call(path, { method, token: admin, from: ADMIN });
        assert.equal(answer.status, 404, `${method} ${path}`);
        assert.equal(errorCode(answer), 'no_file_server');
      }
    } finally {
      await gateway.stop();
      config.cleanup();
    }
  });
});
