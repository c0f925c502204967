import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Gateway } from '../../src/server/gateway.js';
import { Client, MANAGERS, filesToml, slot, type Answer } from '../helpers/files-client.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';

// The files folder on a 2 MiB tmpfs: an upload that passed the free-space check meets a full disk
// half way, because another upload took the room meanwhile. Mounting needs root (CI runs as root).

const KiB = 1024;
const why = process.getuid?.() === 0 ? undefined : 'mounting a tmpfs needs root';
if (why !== undefined && process.env['CI'] === 'true') it('runs as root', () => assert.fail(why));

describe('uploads onto a full disk', { skip: why }, () => {
  let config: { dir: string; cleanup: () => void };
  let gateway: Gateway;
  let files: Client;
  let mounted = '';

  before(async () => {
    config = writeConfigDir(MANAGERS, filesToml().replace('maxSize = "1 MB"', 'maxSize = "4 MB"'));
    mounted = join(config.dir, 'files');
    mkdirSync(mounted);
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mounted], {
      encoding: 'utf8',
    });
    assert.equal(mount.status, 0, mount.stderr);
    gateway = await startGateway(config.dir);
    files = new Client(gateway, readFileSync(join(config.dir, 'cert.pem'), 'utf8'));
  });
  after(async () => {
    await gateway?.stop(0);
    if (mounted !== '') spawnSync('umount', [mounted]);
    config.cleanup();
  });

  /** A PUT whose headers and first `first` bytes go now; `rest()` sends the others. */
  function startUpload(url: string, body: Buffer, first: number): { rest: () => Promise<Answer> } {
    const base = new URL(gateway.web.url);
    let answered: (a: Answer) => void = () => undefined;
    const answer = new Promise<Answer>((resolve) => (answered = resolve));
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        path: url,
        method: 'PUT',
        ca: files.ca,
        agent: false,
        headers: { 'content-length': String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          answered({ status: res.statusCode ?? 0, headers: res.headers, text: bytes.toString(), bytes });
        });
      },
    );
    req.on('error', () => answered({ status: 0, headers: {}, text: 'reset', bytes: Buffer.alloc(0) }));
    req.write(body.subarray(0, first));
    return {
      rest: () => {
        req.end(body.subarray(first));
        return answer;
      },
    };
  }

  /** Bytes in the store's temporary folder: the upload under way. */
  function incomingBytes(): number {
    const incoming = join(mounted, '.incoming');
    try {
      return readdirSync(incoming).reduce((sum, name) => sum + statSync(join(incoming, name)).size, 0);
    } catch {
      return 0;
    }
  }

  it('answers 507, keeps nothing of the upload, and has its room back for the next', async () => {
    const big = Buffer.alloc(1536 * KiB, 0x61);
    const first = slot(['full', 'first.bin'], big.length);
    const second = slot(['full', 'second.bin'], big.length);
    // The first passes the free-space check with 2 MiB free and starts writing …
    const started = startUpload(first.url, big, 256 * KiB);
    for (let i = 0; i < 200 && incomingBytes() < 256 * KiB; i++) await delay(10);
    assert.ok(incomingBytes() >= 256 * KiB, 'the first upload is being written');
    // … the second, with 1.75 MiB free, fits and is stored …
    assert.equal((await files.send(second.url, { body: big })).status, 201);
    // … and the rest of the first meets a full disk.
    const refused = await started.rest();
    assert.equal(refused.status, 507, refused.text);
    assert.match(refused.text, /no room left on its disk/u);
    assert.equal((await files.send('/upload/full/first.bin', { method: 'GET' })).status, 404);
    assert.equal(incomingBytes(), 0);
    assert.deepEqual(readdirSync(join(mounted, '.incoming')), []);
    // What the refused upload had written is free again: a file that fits is stored at that name.
    const small = Buffer.alloc(400 * KiB, 0x62);
    const again = slot(['full', 'first.bin'], small.length);
    assert.equal((await files.send(again.url, { body: small })).status, 201);
    const stored = await files.send('/upload/full/first.bin', { method: 'GET' });
    assert.equal(stored.status, 200);
    assert.ok(stored.bytes.equals(small));
  });
});
