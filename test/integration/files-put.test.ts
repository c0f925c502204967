import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { connect, constants } from 'node:http2';
import { request } from 'node:https';
import { join, sep } from 'node:path';
import type { UploadProtocol } from '../../src/files/signature.js';
import type { Gateway } from '../../src/server/gateway.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';
import { Client, MANAGERS, filesToml, slot, type Put } from '../helpers/files-client.js';

function allFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

describe('file server: PUT', () => {
  let gateway: Gateway;
  let client: Client;
  let dir: string;
  let cleanup: () => void;
  let store: string;

  before(async () => {
    ({ dir, cleanup } = writeConfigDir(MANAGERS, filesToml()));
    gateway = await startGateway(dir);
    client = new Client(gateway, readFileSync(join(dir, 'cert.pem'), 'utf8'));
    store = join(dir, 'files');
  });
  after(async () => {
    await gateway.stop();
    cleanup();
  });

  it('stores what a v slot signs (201), never overwrites it (409)', async () => {
    const bytes = Buffer.from('a tiny jpeg, honestly');
    const { url, signed } = slot(['4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67', 'très cool.jpg'], bytes.length);
    assert.match(url, /tr%c3%a8s%20cool\.jpg\?v=/iu);
    const first = await client.send(url, { body: bytes });
    assert.equal(first.status, 201, first.text);
    assert.deepEqual(readFileSync(join(store, ...signed.split('/'))), bytes);
    const again = await client.send(url, { body: Buffer.alloc(bytes.length, 'x') });
    assert.equal(again.status, 409);
    assert.deepEqual(readFileSync(join(store, ...signed.split('/'))), bytes);
  });

  it('stores v2 and token slots binding the content type, and tricky names, and an empty file', async () => {
    const cases: { parts: string[]; protocol: UploadProtocol; type?: string; body: Buffer }[] = [
      { parts: ['u1', 'a b+c&d?.txt'], protocol: 'v2', body: Buffer.alloc(0) },
      { parts: ['u2', 'photo (1).jpg'], protocol: 'v2', type: 'image/jpeg', body: Buffer.from('jpeg') },
      {
        parts: ['u3', 'backup.TAR.GZ'],
        protocol: 'token',
        type: 'application/gzip',
        body: Buffer.from('gz'),
      },
      { parts: ['u4', 'ÅÄÖ ünïcödé.txt'], protocol: 'v', body: Buffer.from('text') },
    ];
    for (const c of cases) {
      const { url, signed } = slot(c.parts, c.body.length, c.protocol, c.type);
      const headers = c.type === undefined ? {} : { 'content-type': c.type };
      const answer = await client.send(url, { body: c.body, headers });
      assert.equal(answer.status, 201, `${signed}: ${answer.text}`);
      assert.deepEqual(readFileSync(join(store, ...signed.split('/'))), c.body);
    }
  });

  it('stores identical uploads once, and records each in the catalog', async () => {
    const bytes = Buffer.alloc(100_000, 'same');
    const a = slot(['d1', 'a.bin'], bytes.length);
    const b = slot(['d2', 'b.bin'], bytes.length);
    assert.equal((await client.send(a.url, { body: bytes })).status, 201);
    assert.equal((await client.send(b.url, { body: bytes })).status, 201);
    const sa = statSync(join(store, 'd1', 'a.bin'));
    const sb = statSync(join(store, 'd2', 'b.bin'));
    assert.equal(sa.ino, sb.ino, 'one inode for both names');
    const record = gateway.services.store.files.current('d2/b.bin');
    assert.equal(record?.size, bytes.length);
    assert.equal(record?.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(record?.contentType, 'application/octet-stream');
  });

  it('refuses a tampered size, type or MAC, and a missing MAC (403), storing nothing', async () => {
    const body = Buffer.from('0123456789');
    const good = slot(['t', 'file.bin'], body.length, 'v2', 'image/jpeg');
    const attempts: [string, Put][] = [
      [
        slot(['t', 'file.bin'], body.length - 1, 'v2', 'image/jpeg').url,
        { body, headers: { 'content-type': 'image/jpeg' } },
      ],
      [good.url, { body, headers: { 'content-type': 'image/png' } }],
      [
        good.url.replace(/v2=(.)/u, (_m, c: string) => `v2=${c === '0' ? '1' : '0'}`),
        { body, headers: { 'content-type': 'image/jpeg' } },
      ],
      [good.url.replace(/\?.*$/u, ''), { body, headers: { 'content-type': 'image/jpeg' } }],
      [good.url.replace('file.bin', 'file2.bin'), { body, headers: { 'content-type': 'image/jpeg' } }],
    ];
    for (const [url, put] of attempts) {
      const answer = await client.send(url, put);
      assert.equal(answer.status, 403, url);
      assert.match(answer.text, /signed/u);
    }
    assert.equal(existsSync(join(store, 't')), false);
    const right = await client.send(good.url, { body, headers: { 'content-type': 'image/jpeg' } });
    assert.equal(right.status, 201, right.text);
  });

  it('refuses chunked bodies (411), too large (413) before the body, extensions not allowed (415)', async () => {
    const chunked = await client.send(slot(['c', 'x.txt'], 3).url, {
      body: Buffer.from('abc'),
      headers: { 'transfer-encoding': 'chunked', 'content-length': '' },
    });
    assert.equal(chunked.status, 411);
    const size = 2 * 1024 * 1024;
    // Only the headers are sent: a 413 arriving proves the body was not awaited.
    const bigAnswer = await new Promise<string>((resolve, reject) => {
      const url = new URL(gateway.web.url);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: slot(['c', 'big.bin'], size).url,
          method: 'PUT',
          ca: client.ca,
          agent: false,
          headers: { 'content-length': String(size) },
        },
        (res) => {
          resolve(`${res.statusCode} ${res.headers['connection']}`);
          req.destroy();
        },
      );
      req.on('error', reject);
      req.flushHeaders();
    });
    assert.equal(bigAnswer, '413 close');
    const exe = await client.send(slot(['c', 'run.exe'], 2).url, { body: Buffer.from('MZ') });
    assert.equal(exe.status, 415);
    assert.equal(existsSync(join(store, 'c')), false);
  });

  it('refuses traversal attempts and the store folders, never writing outside the store', async () => {
    const outsideBefore = existsSync(join(dir, '..', 'x.txt'));
    for (const raw of [
      '%2e%2e/x.txt',
      '..%2fx.txt',
      '%2e%2e%2f%2e%2e%2fx.txt',
      'a/%2e%2e/%2e%2e/x.txt',
      'a%5c..%5cx.txt',
      'a/x%00.txt',
      '.incoming/x.txt',
      'a//x.txt',
    ]) {
      const answer = await client.send(`/upload/${raw}?v=${'0'.repeat(64)}`, { body: Buffer.from('x') });
      assert.equal(answer.status, 400, raw);
    }
    const { url } = slot(['%2e%2e', 'x.txt'], 1);
    assert.equal((await client.send(url, { body: Buffer.from('x') })).status, 201);
    assert.ok(existsSync(join(store, '%2e%2e', 'x.txt')));
    // Every x.txt written is inside the store; none beside it, in the config folder or above it.
    const written = allFiles(dir).filter((f) => f.endsWith('x.txt'));
    assert.ok(written.length > 0 && written.every((f) => f.startsWith(`files${sep}`)), written.join(', '));
    assert.equal(existsSync(join(dir, '..', 'x.txt')), outsideBefore);
  });

  it('leaves nothing visible after a cut upload, and a retry of the same URL succeeds', async () => {
    const body = Buffer.alloc(64 * 1024, 7);
    const { url, signed } = slot(['cut', 'big.bin'], body.length);
    await client.send(url, { body, cutAfter: 1000 });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(existsSync(join(store, ...signed.split('/'))), false);
    assert.deepEqual(readdirSync(join(store, '.incoming')), []);
    const retry = await client.send(url, { body });
    assert.equal(retry.status, 201, retry.text);
    assert.deepEqual(readFileSync(join(store, ...signed.split('/'))), body);
  });

  it('takes uploads over HTTP/2 as well (browsers use it), refusing them without a length', async () => {
    const session = connect(gateway.web.url, { ca: client.ca });
    /** The status and the stream's close code; the answer is read to its end so the stream can close. */
    const put = (path: string, body: Buffer, length: boolean): Promise<string> =>
      new Promise((resolve, reject) => {
        const headers = {
          ':method': 'PUT',
          ':path': path,
          ...(length ? { 'content-length': body.length } : {}),
        };
        const stream = session.request(headers);
        let status = 0;
        stream.on('response', (h) => (status = Number(h[':status'])));
        stream.on('close', () => resolve(`${status} ${stream.rstCode}`));
        stream.on('error', reject);
        stream.resume();
        stream.end(body);
      });
    try {
      const body = Buffer.from('over h2');
      const { url, signed } = slot(['h2', 'file.txt'], body.length);
      assert.equal(await put(url, body, false), `411 ${constants.NGHTTP2_NO_ERROR}`);
      assert.equal(await put(url, body, true), `201 ${constants.NGHTTP2_NO_ERROR}`);
      assert.equal(await put(url, body, true), `409 ${constants.NGHTTP2_NO_ERROR}`);
      assert.deepEqual(readFileSync(join(store, ...signed.split('/'))), body);
    } finally {
      session.close();
    }
  });

  it('answers 405 with Allow to other methods, OPTIONS with CORS', async () => {
    const del = await client.send('/upload/x/y.txt', { method: 'DELETE' });
    assert.equal(del.status, 405);
    assert.equal(del.headers['allow'], 'OPTIONS, HEAD, GET, PUT');
    const options = await client.send('/upload/x/y.txt', {
      method: 'OPTIONS',
      headers: { origin: 'https://chat.example' },
    });
    assert.equal(options.status, 204);
    assert.equal(options.headers['access-control-allow-origin'], '*');
    assert.match(String(options.headers['access-control-allow-methods']), /PUT/u);
    assert.equal(options.headers['access-control-allow-credentials'], undefined);
  });
});

describe('file server: free disk reserve', () => {
  it('answers 507 when an upload would leave less than minFreeDisk', async () => {
    const { dir, cleanup } = writeConfigDir(
      MANAGERS,
      filesToml('minFreeDisk = "7 PB"\n').replace('minFreeDisk = "0"\n', ''),
    );
    const gateway = await startGateway(dir);
    try {
      const client = new Client(gateway, readFileSync(join(dir, 'cert.pem'), 'utf8'));
      const answer = await client.send(slot(['d', 'x.txt'], 1).url, { body: Buffer.from('x') });
      assert.equal(answer.status, 507);
      assert.equal(existsSync(join(dir, 'files', 'd')), false);
    } finally {
      await gateway.stop();
      cleanup();
    }
  });
});
