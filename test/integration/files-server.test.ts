import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { EXPIRY_REPORT } from '../../src/files/expiry-job.js';
import { INCOMING_DIR } from '../../src/files/receive-upload.js';
import type { Gateway } from '../../src/server/gateway.js';
import { ManualClock } from '../../src/util/clock.js';
import { MANAGERS, filesToml, slot } from '../helpers/files-client.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';

/** A plain-HTTP request to the `[files.server]` listener. */
function plain(
  gateway: Gateway,
  method: string,
  path: string,
  body = Buffer.alloc(0),
): Promise<{ status: number; text: string }> {
  const url = new URL(gateway.plainFiles?.url ?? assert.fail('no plain file listener'));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method,
        agent: false,
        headers: { 'content-length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('file server: [files.server] and expiry', () => {
  const clock = new ManualClock('2026-11-21T10:00:00Z');
  let gateway: Gateway;
  let dir: string;
  let cleanup: () => void;

  before(async () => {
    ({ dir, cleanup } = writeConfigDir(
      MANAGERS,
      filesToml('ttl = "24h"\n[files.server]\naddr = "127.0.0.1:0"\n'),
    ));
    // What a crash in the middle of an upload leaves: a temporary file from before this process.
    mkdirSync(join(dir, 'files', INCOMING_DIR), { recursive: true });
    writeFileSync(leftover(), 'half an upload');
    const yesterday = new Date(Date.now() - 86_400_000);
    utimesSync(leftover(), yesterday, yesterday);
    gateway = await startGateway(dir, clock);
  });
  after(async () => {
    await gateway.stop();
    cleanup();
  });

  const leftover = (): string => join(dir, 'files', INCOMING_DIR, 'crashed.part');

  it('clears the temporary files an earlier run left at start', () => {
    assert.equal(existsSync(leftover()), false);
  });

  it('takes signed uploads on the plain listener, which serves nothing of the API', async () => {
    assert.match(gateway.plainFiles?.url ?? '', /^http:\/\/127\.0\.0\.1:\d+$/u);
    const body = Buffer.from('over plain http');
    const { url } = slot(['p', 'plain.txt'], body.length);
    assert.equal((await plain(gateway, 'PUT', url, body)).status, 201);
    assert.deepEqual(readFileSync(join(dir, 'files', 'p', 'plain.txt')), body);
    assert.equal((await plain(gateway, 'PUT', url, body)).status, 409);
    assert.equal((await plain(gateway, 'GET', '/api/status')).status, 404);
    assert.equal((await plain(gateway, 'GET', '/login')).status, 404);
  });

  it('deletes files older than ttl, reporting each, and keeps younger ones', async () => {
    const old = Buffer.from('old news');
    assert.equal((await plain(gateway, 'PUT', slot(['e', 'old.txt'], old.length).url, old)).status, 201);
    clock.advance(20 * 3600_000);
    const young = Buffer.from('fresh');
    assert.equal(
      (await plain(gateway, 'PUT', slot(['e', 'young.txt'], young.length).url, young)).status,
      201,
    );
    clock.advance(5 * 3600_000);

    const gone = gateway.expireFiles().map((r) => r.path);
    assert.deepEqual(gone.sort(), ['e/old.txt', 'p/plain.txt']);
    assert.equal(existsSync(join(dir, 'files', 'e', 'old.txt')), false);
    assert.deepEqual(readFileSync(join(dir, 'files', 'e', 'young.txt')), young);
    const report = readFileSync(join(dir, 'files', EXPIRY_REPORT), 'utf8')
      .trim()
      .split('\n')
      .map(
        (line) => JSON.parse(line) as { path: string; size: number; deletedAt: string; uploadedAt: string },
      );
    assert.deepEqual(report.map((r) => [r.path, r.size, r.deletedAt, r.uploadedAt]).sort(), [
      ['e/old.txt', old.length, '2026-11-22T11:00:00.000Z', '2026-11-21T10:00:00.000Z'],
      ['p/plain.txt', 15, '2026-11-22T11:00:00.000Z', '2026-11-21T10:00:00.000Z'],
    ]);
    assert.deepEqual(gateway.expireFiles(), []);
  });
});
