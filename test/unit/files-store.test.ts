import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BLOBS_DIR, FileStore, type UploadFacts } from '../../src/files/file-store.js';
import { INCOMING_DIR, receiveUpload, type ReceivedUpload } from '../../src/files/receive-upload.js';
import { SqliteStore } from '../../src/store/sqlite.js';

const root = mkdtempSync(join(tmpdir(), 'pmproxy-store-'));
after(() => rmSync(root, { recursive: true, force: true }));

let count = 0;
function storeDir(): string {
  const dir = join(root, `s${count++}`);
  mkdirSync(dir);
  return dir;
}

function chunks(...parts: string[]): Readable {
  return Readable.from(parts.map((p) => Buffer.from(p)));
}

/** A body that sends `parts`, then fails as a connection cut by the client does. */
function cut(...parts: string[]): Readable {
  return Readable.from(
    (async function* () {
      for (const p of parts) yield Buffer.from(p);
      // The cut comes once the bytes before it have been taken.
      await new Promise((resolve) => setImmediate(resolve));
      throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    })(),
  );
}

const incoming = (dir: string): string[] => readdirSync(join(dir, INCOMING_DIR));
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

async function received(dir: string, text: string): Promise<ReceivedUpload> {
  const outcome = await receiveUpload(dir, Buffer.byteLength(text), chunks(text));
  assert.equal(outcome.kind, 'received');
  return (outcome as { upload: ReceivedUpload }).upload;
}

function facts(path: string, at = 1000, uploader = 'xmpp:chat.example'): UploadFacts {
  return { path, contentType: 'text/plain', uploader, uploadedAt: at };
}

function fixture(): { dir: string; store: FileStore; db: SqliteStore } {
  const dir = storeDir();
  const db = SqliteStore.open(':memory:');
  after(() => db.close());
  return { dir, store: new FileStore(dir, db.files), db };
}

describe('receiveUpload', () => {
  it('keeps exactly the announced bytes in a temporary file, with their sha256', async () => {
    const dir = storeDir();
    const upload = await received(dir, 'hello world');
    assert.equal(upload.sha256, sha256('hello world'));
    assert.equal(readFileSync(upload.temp, 'utf8'), 'hello world');
    assert.deepEqual(incoming(dir).length, 1);
  });

  it('keeps nothing when fewer or more bytes come than announced', async () => {
    const dir = storeDir();
    assert.deepEqual(await receiveUpload(dir, 12, chunks('hello', ' world')), {
      kind: 'short',
      received: 11,
    });
    assert.deepEqual(await receiveUpload(dir, 10, chunks('hello', ' world')), { kind: 'long' });
    assert.deepEqual(await receiveUpload(dir, 12, cut('hello')), { kind: 'short', received: 5 });
    assert.deepEqual(incoming(dir), []);
  });
});

describe('FileStore', () => {
  it('links a complete upload into place, creating folders, and records it', async () => {
    const { dir, store } = fixture();
    const outcome = store.create(await received(dir, 'hello world'), facts('a/b/c.txt'));
    assert.equal(outcome.kind, 'created');
    assert.equal(readFileSync(join(dir, 'a', 'b', 'c.txt'), 'utf8'), 'hello world');
    assert.deepEqual(incoming(dir), []);
    const record = store.records.current('a/b/c.txt');
    assert.deepEqual(record, {
      path: 'a/b/c.txt',
      version: 1,
      sha256: sha256('hello world'),
      size: 11,
      contentType: 'text/plain',
      uploader: 'xmpp:chat.example',
      uploadedAt: 1000,
    });
  });

  it('never replaces an existing name, nor writes through a file standing where a folder goes', async () => {
    const { dir, store } = fixture();
    assert.equal(store.create(await received(dir, 'first'), facts('taken.txt')).kind, 'created');
    assert.equal(store.create(await received(dir, 'second'), facts('taken.txt')).kind, 'exists');
    assert.equal(readFileSync(join(dir, 'taken.txt'), 'utf8'), 'first');
    writeFileSync(join(dir, 'by-hand.txt'), 'not in the catalog');
    assert.equal(store.create(await received(dir, 'x'), facts('by-hand.txt')).kind, 'exists');
    assert.equal(store.create(await received(dir, 'x'), facts('taken.txt/below.txt')).kind, 'exists');
    assert.deepEqual(incoming(dir), []);
    // The refused contents left no blob behind.
    assert.equal(existsSync(store.blobOf(sha256('x'))), false);
    assert.equal(existsSync(store.blobOf(sha256('second'))), false);
  });

  it('lets only one of two uploads racing for one name win', async () => {
    const { dir, store } = fixture();
    const [a, b] = await Promise.all([received(dir, 'aaa'), received(dir, 'bbb')]);
    const outcomes = [store.create(a, facts('race.txt')), store.create(b, facts('race.txt'))];
    assert.deepEqual(outcomes.map((o) => o.kind).sort(), ['created', 'exists']);
    assert.equal(readFileSync(join(dir, 'race.txt'), 'utf8'), 'aaa');
  });

  it('stores identical content once: two names share one inode, and deleting one keeps the other', async () => {
    const { dir, store, db } = fixture();
    const bytes = 'the same bytes '.repeat(1000);
    store.create(await received(dir, bytes), facts('one/photo.jpg'));
    store.create(await received(dir, bytes), facts('two/copy.jpg'));
    const one = statSync(join(dir, 'one', 'photo.jpg'));
    const two = statSync(join(dir, 'two', 'copy.jpg'));
    assert.equal(one.ino, two.ino, 'the same inode: the space of one');
    // Two names and the blob itself.
    assert.equal(one.nlink, 3);
    assert.deepEqual(readdirSync(join(dir, BLOBS_DIR, sha256(bytes).slice(0, 2))), [sha256(bytes)]);
    assert.deepEqual(db.files.usage(), {
      files: 2,
      bytes: 2 * bytes.length,
      contents: 1,
      storedBytes: bytes.length,
    });

    assert.equal(store.remove('one/photo.jpg').removed.length, 1);
    assert.equal(existsSync(join(dir, 'one')), false, 'the emptied folder went too');
    assert.equal(readFileSync(join(dir, 'two', 'copy.jpg'), 'utf8'), bytes);
    assert.equal(existsSync(store.blobOf(sha256(bytes))), true, 'still named by two/copy.jpg');
    store.remove('two/copy.jpg');
    assert.equal(existsSync(store.blobOf(sha256(bytes))), false, 'no name left: the content is gone');
  });

  it('keeps the newest versions of a replaced file and prunes older ones', async () => {
    const { dir, store } = fixture();
    for (const [i, text] of ['v1', 'v2', 'v3', 'v4', 'v5'].entries()) {
      const outcome = store.replace(
        await received(dir, text),
        facts('~alice/notes.txt', 1000 + i, 'alice'),
        2,
      );
      assert.equal(outcome.kind, 'stored');
    }
    assert.equal(readFileSync(join(dir, '~alice', 'notes.txt'), 'utf8'), 'v5');
    const versions = store.records.versions('~alice/notes.txt');
    assert.deepEqual(
      versions.map((v) => [v.version, v.sha256]),
      [
        [5, sha256('v5')],
        [4, sha256('v4')],
        [3, sha256('v3')],
      ],
    );
    // Old versions are kept as blobs only; pruned ones are gone.
    assert.equal(readFileSync(store.blobOf(sha256('v3')), 'utf8'), 'v3');
    assert.equal(existsSync(store.blobOf(sha256('v2'))), false);
    assert.equal(existsSync(store.blobOf(sha256('v1'))), false);
    assert.deepEqual(incoming(dir), []);
  });

  it("keeps a pruned version's content while another name still uses it", async () => {
    const { dir, store } = fixture();
    store.create(await received(dir, 'shared'), facts('slot/shared.txt'));
    store.replace(await received(dir, 'shared'), facts('~bob/a.txt', 1, 'bob'), 0);
    store.replace(await received(dir, 'newer'), facts('~bob/a.txt', 2, 'bob'), 0);
    assert.deepEqual(
      store.records.versions('~bob/a.txt').map((v) => v.version),
      [2],
    );
    assert.equal(existsSync(store.blobOf(sha256('shared'))), true);
    assert.equal(readFileSync(join(dir, 'slot', 'shared.txt'), 'utf8'), 'shared');
  });

  it('refuses to replace a folder', async () => {
    const { dir, store } = fixture();
    store.create(await received(dir, 'x'), facts('~carol/dir/inner.txt'));
    const outcome = store.replace(await received(dir, 'y'), facts('~carol/dir'), 3);
    assert.equal(outcome.kind, 'conflict');
    assert.equal(readFileSync(join(dir, '~carol', 'dir', 'inner.txt'), 'utf8'), 'x');
    assert.equal(existsSync(store.blobOf(sha256('y'))), false);
  });

  it('removes a file the catalog never knew, and says so', () => {
    const { dir, store } = fixture();
    writeFileSync(join(dir, 'copied-in.txt'), 'by hand');
    assert.deepEqual(store.remove('copied-in.txt'), { removed: [], untracked: true });
    assert.deepEqual(store.remove('copied-in.txt'), { removed: [], untracked: false });
  });

  it('expires names whose current version is older than the limit, and nothing else', async () => {
    const { dir, store } = fixture();
    store.create(await received(dir, 'old'), facts('a/old.txt', 100));
    store.create(await received(dir, 'new'), facts('b/new.txt', 900));
    store.replace(await received(dir, 'r1'), facts('~d/renewed.txt', 100, 'd'), 3);
    store.replace(await received(dir, 'r2'), facts('~d/renewed.txt', 800, 'd'), 3);
    const pending = await received(dir, 'being uploaded');
    const gone = store.expire(500);
    assert.deepEqual(
      gone.map((r) => r.path),
      ['a/old.txt'],
    );
    assert.equal(existsSync(join(dir, 'a', 'old.txt')), false);
    assert.equal(readFileSync(join(dir, 'b', 'new.txt'), 'utf8'), 'new');
    assert.equal(readFileSync(join(dir, '~d', 'renewed.txt'), 'utf8'), 'r2');
    assert.equal(readFileSync(pending.temp, 'utf8'), 'being uploaded', 'uploads in progress are untouched');
  });
});
