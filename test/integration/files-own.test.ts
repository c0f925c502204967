import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Gateway } from '../../src/server/gateway.js';
import { ApiClient } from '../helpers/api-client.js';
import { apiManagersToml } from '../helpers/api-config.js';
import { Client, SECRET } from '../helpers/files-client.js';
import { startGateway, testServerToml, writeConfigDir } from '../helpers/gateway.js';

const FILES = `[files]
secret = ${JSON.stringify(SECRET)}
storeDir = "files"
maxSize = "1 MB"
minFreeDisk = "0"
maxVersions = 2
`;

/** Signed slots, or a logged-in user in their own folder. */
const MANAGERS = apiManagersToml('[policy]\nupload = "signed ∨ sessions"\n[[hmacUpload]]\nname = "signed"\n');

describe("file server: a user's own folder, with versions", () => {
  let gateway: Gateway;
  let files: Client;
  let api: ApiClient;
  let dir: string;
  let cleanup: () => void;
  let aliceToken: string;

  before(async () => {
    ({ dir, cleanup } = writeConfigDir(MANAGERS, `${testServerToml()}${FILES}`));
    gateway = await startGateway(dir);
    files = new Client(gateway, readFileSync(join(dir, 'cert.pem'), 'utf8'));
    api = ApiClient.of(gateway, dir);
    aliceToken = await api.login('alice', 'alice-pass');
  });
  after(async () => {
    await gateway.stop();
    cleanup();
  });

  const put = (path: string, text: string, token?: string) =>
    files.send(path, {
      body: Buffer.from(text),
      headers: {
        'content-type': 'text/plain',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
    });

  it("needs the token of the folder's user", async () => {
    const none = await put('/upload/~alice/notes.txt', 'x');
    assert.equal(none.status, 401);
    assert.match(none.text, /log in/u);
    const bad = await put('/upload/~alice/notes.txt', 'x', 'not-a-token');
    assert.equal(bad.status, 401);
    const other = await put('/upload/~bob/notes.txt', 'x', aliceToken);
    assert.equal(other.status, 403);
    assert.match(other.text, /alice may upload only under ~alice\//u);
  });

  it('replaces the file, keeping maxVersions older versions', async () => {
    const first = await put('/upload/~alice/notes.txt', 'version 1', aliceToken);
    assert.equal(first.status, 201, first.text);
    assert.equal(first.headers['x-file-version'], '1');
    for (const n of [2, 3, 4]) {
      const next = await put('/upload/~alice/notes.txt', `version ${n}`, aliceToken);
      assert.equal(next.status, 204, next.text);
      assert.equal(next.headers['x-file-version'], String(n));
    }
    assert.equal(readFileSync(join(dir, 'files', '~alice', 'notes.txt'), 'utf8'), 'version 4');
    const versions = gateway.services.store.files.versions('~alice/notes.txt');
    assert.deepEqual(
      versions.map((v) => [v.version, v.uploader, v.size]),
      [
        [4, 'alice', 9],
        [3, 'alice', 9],
        [2, 'alice', 9],
      ],
    );
    const auth = { authorization: `Bearer ${aliceToken}` };
    const older = await files.send('/upload/~alice/notes.txt?version=2', { method: 'GET', headers: auth });
    assert.equal(older.status, 200);
    assert.equal(older.text, 'version 2');
    const pruned = await files.send('/upload/~alice/notes.txt?version=1', { method: 'GET', headers: auth });
    assert.equal(pruned.status, 404);
    const anonymous = await files.send('/upload/~alice/notes.txt?version=2', { method: 'GET' });
    assert.equal(anonymous.status, 401);
    const odd = await files.send('/upload/~alice/notes.txt?version=two', { method: 'GET', headers: auth });
    assert.equal(odd.status, 400);
    // Without ?version, anyone with the link gets the current one (the default download rule).
    assert.equal((await files.send('/upload/~alice/notes.txt', { method: 'GET' })).text, 'version 4');
  });

  it('takes nothing from a token whose session has ended', async () => {
    const logout = await api.call('/api/logout', { method: 'POST', token: aliceToken });
    assert.equal(logout.status, 204);
    // The token died with the session.
    const after = await put('/upload/~alice/late.txt', 'too late', aliceToken);
    assert.equal(after.status, 401);
    assert.match(after.text, /session has ended/u);
  });
});

describe('file server: own folders under the default upload rule', () => {
  it('refuses them: by default only signed slots may upload', async () => {
    const managers = apiManagersToml('[[hmacUpload]]\nname = "signed"\n');
    const { dir, cleanup } = writeConfigDir(managers, `${testServerToml()}${FILES}`);
    const gateway = await startGateway(dir);
    try {
      const token = await ApiClient.of(gateway, dir).login('alice', 'alice-pass');
      const client = new Client(gateway, readFileSync(join(dir, 'cert.pem'), 'utf8'));
      const answer = await client.send('/upload/~alice/notes.txt', {
        body: Buffer.from('x'),
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(answer.status, 403);
      assert.match(answer.text, /the upload rule does not allow this \(signed: /u);
    } finally {
      await gateway.stop();
      cleanup();
    }
  });
});
