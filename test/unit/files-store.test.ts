import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { INCOMING_DIR, storeUpload } from '../../src/files/store-file.js';

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

describe('storeUpload', () => {
  it('links exactly the announced bytes into place, creating folders, and leaves no temporary file', async () => {
    const dir = storeDir();
    const file = join(dir, 'a', 'b', 'c.txt');
    assert.deepEqual(await storeUpload(dir, file, 11, chunks('hello', ' ', 'world')), { kind: 'stored' });
    assert.equal(readFileSync(file, 'utf8'), 'hello world');
    assert.deepEqual(incoming(dir), []);
  });

  it('keeps nothing when fewer or more bytes come than announced', async () => {
    const dir = storeDir();
    const file = join(dir, 'x.bin');
    assert.deepEqual(await storeUpload(dir, file, 12, chunks('hello', ' world')), {
      kind: 'short',
      received: 11,
    });
    assert.deepEqual(await storeUpload(dir, file, 10, chunks('hello', ' world')), { kind: 'long' });
    assert.deepEqual(await storeUpload(dir, file, 12, cut('hello')), { kind: 'short', received: 5 });
    assert.deepEqual(readdirSync(dir).sort(), [INCOMING_DIR]);
    assert.deepEqual(incoming(dir), []);
    assert.deepEqual(await storeUpload(dir, file, 5, chunks('again')), { kind: 'stored' });
    assert.equal(readFileSync(file, 'utf8'), 'again');
  });

  it('never replaces an existing file, nor writes through a file standing where a folder goes', async () => {
    const dir = storeDir();
    const file = join(dir, 'taken.txt');
    writeFileSync(file, 'first');
    assert.deepEqual(await storeUpload(dir, file, 6, chunks('second')), { kind: 'exists' });
    assert.equal(readFileSync(file, 'utf8'), 'first');
    assert.deepEqual(await storeUpload(dir, join(file, 'below.txt'), 1, chunks('x')), { kind: 'exists' });
    assert.deepEqual(incoming(dir), []);
  });

  it('lets only one of two uploads racing for one name win', async () => {
    const dir = storeDir();
    const file = join(dir, 'race.txt');
    const outcomes = await Promise.all([
      storeUpload(dir, file, 3, chunks('a', 'a', 'a')),
      storeUpload(dir, file, 3, chunks('b', 'b', 'b')),
    ]);
    assert.deepEqual(outcomes.map((o) => o.kind).sort(), ['exists', 'stored']);
    assert.match(readFileSync(file, 'utf8'), /^(aaa|bbb)$/u);
  });
});
