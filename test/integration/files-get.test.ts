import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:http2';
import { join } from 'node:path';
import type { Gateway } from '../../src/server/gateway.js';
import { Client, MANAGERS, filesToml, slot } from '../helpers/files-client.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';

describe('file server: GET and HEAD through the route', () => {
  let gateway: Gateway;
  let client: Client;
  let dir: string;
  let cleanup: () => void;
  const photo = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
  let photoLink: string;

  before(async () => {
    ({ dir, cleanup } = writeConfigDir(
      MANAGERS,
      filesToml().replace(/^allowedExtensions = .*$/mu, 'allowedExtensions = []'),
    ));
    gateway = await startGateway(dir);
    client = new Client(gateway, readFileSync(join(dir, 'cert.pem'), 'utf8'));
    const { url } = slot(['g', 'très cool.jpg'], photo.length, 'v2', 'image/jpeg');
    const put = await client.send(url, { body: photo, headers: { 'content-type': 'image/jpeg' } });
    assert.equal(put.status, 201, put.text);
    photoLink = url.replace(/\?.*$/u, '');
  });
  after(async () => {
    await gateway.stop();
    cleanup();
  });

  it('serves the stored bytes with the stored type, the sha256 as ETag, inline for an image', async () => {
    const got = await client.send(photoLink, { method: 'GET' });
    assert.equal(got.status, 200);
    assert.deepEqual(got.bytes, photo);
    assert.equal(got.headers['content-type'], 'image/jpeg');
    assert.equal(got.headers['etag'], `"${createHash('sha256').update(photo).digest('hex')}"`);
    assert.match(
      String(got.headers['content-disposition']),
      /^inline; filename=.*filename\*=UTF-8''tr%C3%A8s%20cool\.jpg$/u,
    );
    assert.equal(got.headers['x-content-type-options'], 'nosniff');
    assert.equal(got.headers['accept-ranges'], 'bytes');
    assert.equal(got.headers['cache-control'], 'private, no-cache');
    const head = await client.send(photoLink, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(photo.length));
    assert.equal(head.bytes.length, 0);
    const revalidated = await client.send(photoLink, {
      method: 'GET',
      headers: { 'if-none-match': String(got.headers['etag']) },
    });
    assert.equal(revalidated.status, 304);
  });

  it('answers ranges', async () => {
    const part = await client.send(photoLink, { method: 'GET', headers: { range: 'bytes=100-199' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 100-199/${photo.length}`);
    assert.deepEqual(part.bytes, photo.subarray(100, 200));
    const beyond = await client.send(photoLink, { method: 'GET', headers: { range: 'bytes=9000-' } });
    assert.equal(beyond.status, 416);
  });

  it('serves a file copied in by hand as an attachment of unknown type, with a weak ETag', async () => {
    writeFileSync(join(dir, 'files', 'g', 'page.html'), '<script>alert(1)</script>');
    const got = await client.send('/upload/g/page.html', { method: 'GET' });
    assert.equal(got.status, 200);
    assert.equal(got.headers['content-type'], 'application/octet-stream');
    assert.match(String(got.headers['content-disposition']), /^attachment/u);
    assert.match(String(got.headers['etag']), /^W\//u);
  });

  it('never serves the store folders, folders, missing names or anything outside the store', async () => {
    const blob = createHash('sha256').update(photo).digest('hex');
    for (const raw of [
      `.blobs/${blob.slice(0, 2)}/${blob}`,
      '.incoming/x.part',
      '.expiry-report.log',
      'g',
      'g/',
      'g/missing.jpg',
      'g/très cool.jpg/more',
    ]) {
      const got = await client.send(`/upload/${raw.split('/').map(encodeURIComponent).join('/')}`, {
        method: 'GET',
      });
      assert.ok([400, 404].includes(got.status), `${raw}: ${got.status}`);
    }
    for (const raw of [
      '%2e%2e/server.toml',
      '..%2fserver.toml',
      '%252e%252e/server.toml',
      'g/%2e%2e/%2e%2e/server.toml',
      'a%5c..%5cserver.toml',
    ]) {
      const got = await client.send(`/upload/${raw}`, { method: 'GET' });
      assert.ok([400, 404].includes(got.status), `${raw}: ${got.status}`);
      assert.doesNotMatch(got.text, /\[files\]|secret/u, raw);
    }
  });

  it('serves over HTTP/2 as well', async () => {
    const session = connect(gateway.web.url, { ca: client.ca });
    try {
      const bytes = await new Promise<Buffer>((resolve, reject) => {
        const stream = session.request({ ':method': 'GET', ':path': photoLink });
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => resolve(Buffer.concat(chunks)));
        stream.on('error', reject);
      });
      assert.deepEqual(bytes, photo);
    } finally {
      session.close();
    }
  });
});
