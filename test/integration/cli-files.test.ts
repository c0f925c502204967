import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Gateway } from '../../src/server/gateway.js';
import { Client, MANAGERS, filesToml, slot } from '../helpers/files-client.js';
import { runPmproxy, startGateway, testServerToml, writeConfigDir } from '../helpers/gateway.js';

interface Listing {
  files: { path: string; size: number; versions: number; url: string }[];
  usage: { files: number; bytes: number; contents: number; storedBytes: number };
}

describe('pmproxy files ls|rm, while the server runs', () => {
  let config: { dir: string; cleanup: () => void };
  let gateway: Gateway;
  let store: string;
  let c: string[];
  const twin = Buffer.alloc(3000, 'twin');
  const other = Buffer.from('something else');

  before(async () => {
    config = writeConfigDir(MANAGERS, filesToml());
    gateway = await startGateway(config.dir);
    store = join(config.dir, 'files');
    c = ['--config', config.dir];
    const client = new Client(gateway, readFileSync(join(config.dir, 'cert.pem'), 'utf8'));
    for (const [parts, body] of [
      [['u1', 'a.bin'], twin],
      [['u2', 'b.bin'], twin],
      [['u3', 'élan vital.txt'], other],
    ] as const) {
      const put = await client.send(slot([...parts], body.length).url, { body });
      assert.equal(put.status, 201, put.text);
    }
  });
  after(async () => {
    await gateway.stop();
    config.cleanup();
  });

  it('ls --json lists the files and the usage, --prefix narrows', async () => {
    const ls = await runPmproxy(['files', 'ls', '--json', ...c]);
    assert.equal(ls.code, 0, ls.stderr);
    const listing = JSON.parse(ls.stdout) as Listing;
    assert.deepEqual(
      listing.files.map((f) => [f.path, f.size, f.versions, f.url]),
      [
        ['u1/a.bin', twin.length, 1, '/upload/u1/a.bin'],
        ['u2/b.bin', twin.length, 1, '/upload/u2/b.bin'],
        ['u3/élan vital.txt', other.length, 1, '/upload/u3/%C3%A9lan%20vital.txt'],
      ],
    );
    assert.deepEqual(listing.usage, {
      files: 3,
      bytes: 2 * twin.length + other.length,
      contents: 2,
      storedBytes: twin.length + other.length,
    });
    const u3 = JSON.parse(
      (await runPmproxy(['files', 'ls', '--prefix', 'u3/', '--json', ...c])).stdout,
    ) as Listing;
    assert.deepEqual(
      u3.files.map((f) => f.path),
      ['u3/élan vital.txt'],
    );
  });

  it('ls prints an aligned table and a usage line', async () => {
    const ls = await runPmproxy(['files', 'ls', ...c]);
    assert.equal(ls.code, 0, ls.stderr);
    const lines = ls.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 5, ls.stdout);
    const [header, a, , unicode, footer] = lines as [string, string, string, string, string];
    assert.match(header, /^PATH +SIZE {2}TYPE +UPLOADED +UPLOADER$/u);
    assert.match(
      a,
      /^u1\/a\.bin +2\.9 KB {2}application\/octet-stream {2}\d{4}-\d\d-\d\d \d\d:\d\d {2}xmpp:\S+$/u,
    );
    assert.match(unicode, /^u3\/élan vital\.txt {4}14 B {2}application\/octet-stream {2}/u);
    // Every column starts where its title does.
    for (const title of ['TYPE', 'UPLOADED', 'UPLOADER']) {
      const at = header.indexOf(title);
      for (const row of lines.slice(1, 4)) assert.equal(row.slice(at - 2, at), '  ', `${title} in ${row}`);
    }
    assert.equal(a.indexOf('application'), header.indexOf('TYPE'));
    assert.equal(unicode.indexOf('application'), header.indexOf('TYPE'));
    assert.equal(footer, 'store: 3 files, 5.9 KB; stored once: 2.9 KB in 2 contents');
  });

  it('rm deletes each path it can, reports the rest, and exits 1', async () => {
    const rm = await runPmproxy(['files', 'rm', 'u1/a.bin', 'u9/none.bin', 'u3/élan vital.txt', ...c]);
    assert.equal(rm.code, 1, rm.stderr);
    assert.equal(
      rm.stdout,
      'removed u1/a.bin (1 version, 2.9 KB)\nremoved u3/élan vital.txt (1 version, 14 B)\n',
    );
    assert.match(rm.stderr, /no stored file "u9\/none\.bin"/u);
    assert.equal(existsSync(join(store, 'u1', 'a.bin')), false);
    assert.equal(existsSync(join(store, 'u3')), false);
    assert.deepEqual(readFileSync(join(store, 'u2', 'b.bin')), twin);
    // The running server's catalog is the same store.
    assert.equal(gateway.services.store.files.current('u1/a.bin'), undefined);
    assert.equal(gateway.services.store.files.current('u2/b.bin')?.size, twin.length);

    const ok = await runPmproxy(['files', 'rm', 'u2/b.bin', ...c]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(existsSync(join(store, 'u2', 'b.bin')), false);
    const empty = await runPmproxy(['files', 'ls', ...c]);
    assert.equal(empty.stdout, '(no files)\nstore: 0 files, 0 B; stored once: 0 B in 0 contents\n');
  });

  it('answers usage errors with status 2, deleting nothing', async () => {
    const kept = slot(['u4', 'kept.txt'], other.length);
    const client = new Client(gateway, readFileSync(join(config.dir, 'cert.pem'), 'utf8'));
    assert.equal((await client.send(kept.url, { body: other })).status, 201);
    for (const args of [
      ['files', 'rm'],
      ['files', 'rm', 'u4/kept.txt', '../server.toml'],
      ['files', 'rm', 'u4/kept.txt', '.blobs'],
      ['files', 'ls', 'u4'],
      ['files', 'mv', 'u4/kept.txt'],
      ['files'],
    ]) {
      const r = await runPmproxy([...args, ...c]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /usage: pmproxy/u);
    }
    assert.deepEqual(readFileSync(join(store, 'u4', 'kept.txt')), other);
    assert.ok(existsSync(join(config.dir, 'server.toml')));
  });
});

describe('pmproxy files without [files]', () => {
  it('says there is no file server and exits 78, a configuration error (its hmacUpload needs [files])', async () => {
    const config = writeConfigDir(MANAGERS, testServerToml());
    try {
      for (const args of [
        ['files', 'ls'],
        ['files', 'rm', 'a/b.txt'],
      ]) {
        const r = await runPmproxy([...args, '--config', config.dir]);
        assert.equal(r.code, 78, r.stderr);
        assert.match(r.stderr, /server\.toml has no \[files\]/u);
        assert.doesNotMatch(r.stderr, /^\s+at /mu);
        assert.equal(r.stdout, '');
      }
    } finally {
      config.cleanup();
    }
  });
});
