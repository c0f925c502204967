import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { hasAllowedExtension, resolveStoredPath } from '../../src/files/safe-path.js';

const store = join(mkdtempSync(join(tmpdir(), 'pmproxy-files-')), 'store');
const PREFIX = '/upload/';

function resolved(raw: string) {
  return resolveStoredPath(raw, PREFIX, store);
}

/** Strictly inside the store: the store itself does not count. */
function inside(file: string): boolean {
  const rel = relative(store, resolve(file));
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..';
}

describe('resolveStoredPath', () => {
  it('decodes what Prosody and ejabberd send, keeping "+" a plus', () => {
    const cases: [string, string][] = [
      ['/upload/4a771ac1/tr%c3%a8s%20cool.jpg', '4a771ac1/très cool.jpg'],
      ['/upload/681e/WgQ/tr%C3%A8s_cool__1_.jpg', '681e/WgQ/très_cool__1_.jpg'],
      ['/upload/u/a%20b%2bc%26d%3f.txt', 'u/a b+c&d?.txt'],
      ['/upload/u/a+b.txt', 'u/a+b.txt'],
      ['/upload/u/%252e%252e', 'u/%2e%2e'],
      ['/upload/u/...', 'u/...'],
      ['/upload/u/..a', 'u/..a'],
      ['/upload/x', 'x'],
    ];
    for (const [raw, signed] of cases) {
      const r = resolved(raw);
      assert.ok(r.ok, `${raw}: ${r.ok ? '' : r.reason}`);
      assert.equal(r.path.signed, signed);
      assert.equal(r.path.file, join(store, ...signed.split('/')));
      assert.ok(inside(r.path.file), raw);
    }
  });

  it('refuses traversal attempts, plain, encoded, double-encoded and mixed', () => {
    const attempts = [
      '/upload/../etc/passwd',
      '/upload/u/../../etc/passwd',
      '/upload/..',
      '/upload/.',
      '/upload/./a',
      '/upload/u/./a',
      '/upload/%2e%2e/etc/passwd',
      '/upload/%2E%2E/%2E%2E/etc/passwd',
      '/upload/.%2e/x',
      '/upload/%2e./x',
      '/upload/%2e',
      '/upload/u/%2e%2e',
      '/upload/..%2fetc%2fpasswd',
      '/upload/%2e%2e%2fetc%2fpasswd',
      '/upload/%2e%2e%2Fx',
      '/upload/u%2f..%2f..%2fx',
      '/upload/%2fetc%2fpasswd',
      '/upload/..%5cwindows',
      '/upload/u/a%5cb',
      '/upload/u\\..\\x',
      '/upload/u/a%00.jpg',
      '/upload/u/a%00',
      '/upload//etc/passwd',
      '/upload/u//x',
      '/upload/u/',
      '/upload/',
      '/upload',
      '/uploadx/a',
      '/other/a',
      '/upload/%',
      '/upload/%2',
      '/upload/%zz',
      '/upload/%%32%65',
      '/upload/u/%c3',
      '/upload/u/%ff%fe',
      '/upload/u/%c0%ae%c0%ae',
      '/upload/u/%e0%80%ae',
      `/upload/u/${'a'.repeat(256)}`,
      `/upload/u/${'%c3%a8'.repeat(128)}`,
    ];
    for (const raw of attempts) {
      const r = resolved(raw);
      assert.equal(r.ok, false, `${raw} was accepted as ${r.ok ? r.path.file : ''}`);
    }
  });

  it('a double-encoded traversal stays a literal name inside the store', () => {
    for (const raw of ['/upload/%252e%252e/%252e%252e/x', '/upload/%252e%252e%252fx', '/upload/..%252fx']) {
      const r = resolved(raw);
      assert.ok(r.ok, raw);
      assert.ok(inside(r.path.file), `${raw} → ${r.path.file}`);
      assert.ok(r.path.segments.every((s) => s !== '..' && !s.includes('/')));
    }
  });

  it('names up to 255 bytes pass', () => {
    const r = resolved(`/upload/u/${'a'.repeat(255)}`);
    assert.ok(r.ok);
  });

  it('works with a prefix other than /upload/', () => {
    const r = resolveStoredPath('/files/xmpp/a/b.png', '/files/xmpp/', store);
    assert.ok(r.ok);
    assert.equal(r.path.signed, 'a/b.png');
    assert.equal(resolveStoredPath('/files/a/b.png', '/files/xmpp/', store).ok, false);
  });
});

describe('hasAllowedExtension', () => {
  const allowed = ['.jpg', '.PNG', '.tar.gz', '.txt'];

  it('matches case-insensitively, on both sides', () => {
    for (const name of ['a.jpg', 'A.JPG', 'b.png', 'b.Png', 'notes.TXT', 'x.y.jpg']) {
      assert.equal(hasAllowedExtension(name, allowed), true, name);
    }
  });

  it('handles entries with several dots', () => {
    assert.equal(hasAllowedExtension('backup.tar.gz', allowed), true);
    assert.equal(hasAllowedExtension('BACKUP.TAR.GZ', allowed), true);
    assert.equal(hasAllowedExtension('backup.gz', allowed), false);
    assert.equal(hasAllowedExtension('backup.tgz', allowed), false);
    assert.equal(hasAllowedExtension('backuptar.gz', allowed), false);
  });

  it('refuses other extensions, look-alikes and bare extensions', () => {
    for (const name of ['a.jpeg', 'a.jpg.exe', 'ajpg', 'a.svg', '.jpg', '.tar.gz', 'a.jpg ', 'a']) {
      assert.equal(hasAllowedExtension(name, allowed), false, name);
    }
  });

  it('an empty list allows everything', () => {
    assert.equal(hasAllowedExtension('a.exe', []), true);
  });
});
