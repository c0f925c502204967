import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DownloadQuotaManager } from '../../src/managers/dwn-cons-r.js';
import type { Gateway } from '../../src/server/gateway.js';
import { ApiClient, errorCode } from '../helpers/api-client.js';
import { apiManagersToml } from '../helpers/api-config.js';
import { Client, filesToml, type Answer } from '../helpers/files-client.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';

// GET /api/admin/files/download: any kept version of a stored file, for admins, charged to nobody.

/** Own-folder uploads by logged-in users; public downloads charged to the downloader's quota. */
const MANAGERS = apiManagersToml(
  '[policy]\nupload = "signed ∨ sessions"\ndownload = "sessions ∧ down"\n[[hmacUpload]]\nname = "signed"\n',
);
const ADMIN = '127.0.0.3';
const ALICE = '127.0.0.2';

const NAME = '~alice/résumé.txt';
const ENCODED = '/upload/~alice/r%C3%A9sum%C3%A9.txt';
/** Every byte value, so a text decoding anywhere on the way would show. */
const OLD = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
const CURRENT = Buffer.from('the current version, plain text\n');

const route = (path: string, version?: string): string =>
  `/api/admin/files/download?path=${encodeURIComponent(path)}` +
  (version === undefined ? '' : `&version=${encodeURIComponent(version)}`);

const json = (
  answer: Answer,
): { status: number; json: unknown; text: string; headers: Answer['headers'] } => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.text);
  } catch {
    parsed = undefined;
  }
  return { status: answer.status, json: parsed, text: answer.text, headers: answer.headers };
};

describe('admin API: downloading a stored version', () => {
  let config: { dir: string; cleanup: () => void };
  let gateway: Gateway;
  let files: Client;
  let admin: string;
  let alice: string;

  before(async () => {
    config = writeConfigDir(MANAGERS, filesToml());
    gateway = await startGateway(config.dir);
    files = new Client(gateway, readFileSync(join(config.dir, 'cert.pem'), 'utf8'));
    const api = ApiClient.of(gateway, config.dir);
    alice = await api.login('alice', 'alice-pass', ALICE);
    admin = await api.login('admin', 'admin-pass', ADMIN);
    for (const [body, contentType] of [
      [OLD, 'application/octet-stream'],
      [CURRENT, 'text/plain; charset=utf-8'],
    ] as const) {
      const put = await files.send(ENCODED, {
        body,
        from: ALICE,
        headers: { authorization: `Bearer ${alice}`, 'content-type': contentType },
      });
      assert.ok(put.status === 201 || put.status === 204, put.text);
    }
  });
  after(async () => {
    await gateway.stop();
    config.cleanup();
  });

  const asAdmin = (path: string, method = 'GET'): Promise<Answer> =>
    files.send(path, { method, from: ADMIN, headers: { authorization: `Bearer ${admin}` } });

  it('sends an old version byte for byte, as an attachment with its own type', async () => {
    const answer = await asAdmin(route(NAME, '1'));
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.bytes, OLD);
    assert.equal(answer.headers['content-type'], 'application/octet-stream');
    assert.equal(answer.headers['content-length'], String(OLD.length));
    assert.equal(
      answer.headers['content-disposition'],
      `attachment; filename="r?sum?.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt`,
    );
    assert.equal(answer.headers['x-content-type-options'], 'nosniff');
  });

  it('sends the current version without ?version, saved even though plain text shows inline', async () => {
    const answer = await asAdmin(route(NAME));
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.bytes, CURRENT);
    assert.equal(answer.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(answer.headers['content-length'], String(CURRENT.length));
    assert.match(String(answer.headers['content-disposition']), /^attachment;/u);
    assert.deepEqual((await asAdmin(route(NAME, '2'))).bytes, CURRENT);

    const head = await asAdmin(route(NAME, '1'), 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(OLD.length));
    assert.equal(head.bytes.length, 0);
  });

  it('charges the download to nobody, where the public link charges the downloader', async () => {
    const down = gateway.managers.get('down') as DownloadQuotaManager;
    const before = { admin: down.consumption('admin'), alice: down.consumption('alice') };
    assert.deepEqual((await asAdmin(route(NAME, '1'))).bytes, OLD);
    assert.deepEqual((await asAdmin(route(NAME))).bytes, CURRENT);
    assert.deepEqual({ admin: down.consumption('admin'), alice: down.consumption('alice') }, before);

    // The same admin through the public link: the download rule's quota is reached and charged.
    const link = await files.send(ENCODED, { method: 'GET', from: ADMIN });
    assert.equal(link.status, 200, link.text);
    assert.equal(down.consumption('admin'), before.admin + CURRENT.length);
  });

  it('answers 404 for a version not kept and a name never stored', async () => {
    for (const path of [route(NAME, '3'), route(NAME, '99'), route('~alice/nothing.txt')]) {
      const answer = json(await asAdmin(path));
      assert.equal(answer.status, 404, `${path}: ${answer.text}`);
      assert.equal(errorCode(answer), 'not_found');
    }
  });

  it('answers 400 for a version that is not a positive integer, and for a bad path', async () => {
    for (const version of ['0', '-1', 'two', '1.5', '', ' 1', '1e2', '01x']) {
      const answer = json(await asAdmin(route(NAME, version)));
      assert.equal(answer.status, 400, `version=${JSON.stringify(version)}: ${answer.text}`);
      assert.equal(errorCode(answer), 'bad_request');
    }
    const twice = json(await asAdmin(`${route(NAME, '1')}&version=2`));
    assert.equal(twice.status, 400, twice.text);
    for (const path of ['../server.toml', '~alice/../../server.toml', '.blobs', '', '~alice//résumé.txt']) {
      const answer = json(await asAdmin(route(path)));
      assert.equal(answer.status, 400, `${JSON.stringify(path)}: ${answer.text}`);
      assert.equal(errorCode(answer), 'bad_request');
    }
    const none = json(await asAdmin('/api/admin/files/download'));
    assert.equal(none.status, 400, none.text);
  });

  it('is for admins only: 403 for the file owner, 401 without a token', async () => {
    const owner = json(
      await files.send(route(NAME, '1'), {
        method: 'GET',
        from: ALICE,
        headers: { authorization: `Bearer ${alice}` },
      }),
    );
    assert.equal(owner.status, 403, owner.text);
    assert.equal(errorCode(owner), 'not_admin');
    const nobody = json(await files.send(route(NAME, '1'), { method: 'GET', from: ALICE }));
    assert.equal(nobody.status, 401, nobody.text);
  });
});
