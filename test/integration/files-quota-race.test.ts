import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { setTimeout as delay } from 'node:timers/promises';
import type { UploadQuotaManager } from '../../src/managers/up-quota.js';
import type { Gateway } from '../../src/server/gateway.js';
import { Client, filesToml, slot, type Answer } from '../helpers/files-client.js';
import { startGateway, writeConfigDir } from '../helpers/gateway.js';

const KiB = 1024;
/** "1 MB" in pmproxy's binary units: ten 100 KiB uploads fit, the eleventh does not. */
const QUOTA = 1024 * KiB;
const SIZE = 100 * KiB;
const PARALLEL = 20;
const FIT = Math.floor(QUOTA / SIZE);

const DOMAIN_MANAGERS = `rule = "true"
[policy]
upload = "signed ∧ room"
[[hmacUpload]]
name = "signed"
domain = "chat.example.org"
[[upQuota]]
name = "room"
resetCycle = "24h"
domainQuota = { "chat.example.org" = "1 MB" }
`;

const GROUP_MANAGERS = `rule = "true"
[policy]
upload = "signed ∧ sessions ∧ room"
[[hmacUpload]]
name = "signed"
domain = "other.example"
[mapDB]
name = "users"
[mapDB.userPass]
alice = "alice-pass"
[mapDB.userGroup]
alice = ["students"]
[[sessionIPM]]
name = "sessions"
auth = "users"
[[upQuota]]
name = "room"
resetCycle = "24h"
userDBN = "users"
groupQuota = { students = "1 MB" }
`;

interface Setup {
  gateway: Gateway;
  client: Client;
  cleanup: () => void;
}

async function setUp(managers: string, filesExtra = ''): Promise<Setup> {
  const { dir, cleanup } = writeConfigDir(managers, filesToml(filesExtra));
  const gateway = await startGateway(dir);
  return { gateway, client: new Client(gateway, readFileSync(join(dir, 'cert.pem'), 'utf8')), cleanup };
}

/** `count` signed uploads of SIZE bytes sent at once, the i-th from `from(i)`. */
function race(client: Client, folder: string, count: number, from: (i: number) => string): Promise<Answer[]> {
  const body = Buffer.alloc(SIZE, 'r');
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      client.send(slot([folder, `${i}.bin`], SIZE).url, { body, from: from(i) }),
    ),
  );
}

/**
 * Waits until every upload in progress has ended (the server notices a cut client when it next
 * reads); the 30 s are a bound on a hang, far beyond what the server needs even on a loaded VM.
 */
async function settled(gateway: Gateway, account: string): Promise<void> {
  const ledger = gateway.services.consumption;
  for (let waited = 0; ledger.reserved('room', account) > 0 && waited < 30_000; waited += 25) await delay(25);
  assert.equal(ledger.reserved('room', account), 0, 'every reservation was given back');
}

/** A TLS connection that announces `announced` bytes, sends `sent` of them and closes its side. */
function shortBody(
  gateway: Gateway,
  ca: string,
  path: string,
  sizes: { announced: number; sent: number },
  from: string,
): Promise<void> {
  const url = new URL(gateway.web.url);
  const raw = netConnect({ host: url.hostname, port: Number(url.port), localAddress: from });
  return new Promise<void>((resolve) => {
    const socket = tlsConnect({ socket: raw, host: url.hostname, ca }, () => {
      socket.write(`PUT ${path} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: ${sizes.announced}\r\n\r\n`);
      socket.end(Buffer.alloc(sizes.sent, 's'));
    });
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.resume();
  });
}

/** What every race must show: the quota filled exactly, never passed, the rest refused as usual. */
function checkRace(gateway: Gateway, answers: Answer[], account: string, sequential: Answer): void {
  const room = gateway.managers.get('room') as UploadQuotaManager;
  const stored = answers.filter((a) => a.status === 201);
  const refused = answers.filter((a) => a.status !== 201);
  assert.equal(stored.length, FIT, answers.map((a) => `${a.status} ${a.text}`).join(''));
  assert.ok(stored.length * SIZE <= QUOTA);
  assert.equal(gateway.services.store.files.usage().bytes, FIT * SIZE, 'the catalog holds what was stored');
  assert.equal(room.consumption(account), FIT * SIZE, 'and the quota was charged exactly that');
  // A refused racer gets what an upload sent after the quota filled gets.
  assert.equal(sequential.status, 403);
  assert.match(sequential.text, /room: quota reached/u);
  for (const a of refused) {
    assert.equal(a.status, sequential.status);
    assert.match(a.text, /^the upload rule does not allow this \(room: quota reached: /u);
  }
}

describe('file server: parallel uploads against a domain upload quota', () => {
  let s: Setup;
  const account = 'xmpp:chat.example.org';
  before(async () => (s = await setUp(DOMAIN_MANAGERS)));
  after(async () => {
    await s.gateway.stop();
    s.cleanup();
  });

  it('gives back what failed uploads reserved: cut bodies and bodies shorter than announced', async () => {
    const room = s.gateway.managers.get('room') as UploadQuotaManager;
    const body = Buffer.alloc(QUOTA, 'c');
    await Promise.all([
      ...Array.from({ length: 3 }, (_, i) =>
        s.client.send(slot(['cut', `${i}.bin`], QUOTA).url, {
          body,
          cutAfter: 1000,
          from: `127.0.0.${20 + i}`,
        }),
      ),
      ...Array.from({ length: 3 }, (_, i) =>
        shortBody(
          s.gateway,
          s.client.ca,
          slot(['short', `${i}.bin`], QUOTA).url,
          { announced: QUOTA, sent: 500 },
          `127.0.0.${30 + i}`,
        ),
      ),
    ]);
    await settled(s.gateway, account);
    assert.equal(room.consumption(account), 0);
    assert.equal(s.gateway.services.store.files.usage().files, 0);
    // The whole quota is free again: one upload of exactly its size fits.
    const whole = await s.client.send(slot(['whole', 'q.bin'], QUOTA).url, { body, from: '127.0.0.40' });
    assert.equal(whole.status, 201, whole.text);
    assert.equal(room.consumption(account), QUOTA);
    room.reset(account);
    s.gateway.services.store.files.removePath('whole/q.bin');
  });

  it(`stores ${FIT} of ${PARALLEL} racing uploads and refuses the rest, never passing the quota`, async () => {
    const answers = await race(s.client, 'race', PARALLEL, (i) => `127.0.0.${2 + i}`);
    const sequential = await s.client.send(slot(['race', 'late.bin'], SIZE).url, {
      body: Buffer.alloc(SIZE, 'l'),
      from: '127.0.0.99',
    });
    checkRace(s.gateway, answers, account, sequential);
  });
});

describe('file server: parallel uploads against a user-group upload quota', () => {
  it(`stores ${FIT} of ${PARALLEL} racing uploads of one user and refuses the rest`, async () => {
    const s = await setUp(GROUP_MANAGERS);
    try {
      s.gateway.services.sessions.open('sessions', 'users', '127.0.0.2', 'alice');
      const answers = await race(s.client, 'race', PARALLEL, () => '127.0.0.2');
      const sequential = await s.client.send(slot(['race', 'late.bin'], SIZE).url, {
        body: Buffer.alloc(SIZE, 'l'),
        from: '127.0.0.2',
      });
      checkRace(s.gateway, answers, 'alice', sequential);
      // Another address, with no session, is not alice and has no quota to draw on.
      const stranger = await s.client.send(slot(['race', 'x.bin'], SIZE).url, {
        body: Buffer.alloc(SIZE, 'x'),
        from: '127.0.0.3',
      });
      assert.equal(stranger.status, 403);
    } finally {
      await s.gateway.stop();
      s.cleanup();
    }
  });
});

describe('file server: uploads refused after the body, against an upload quota', () => {
  it('gives the whole reservation back when the scanner is down (503)', async () => {
    // A clamd socket nobody listens on: every upload is received, then refused unscanned.
    const socket = join(tmpdir(), `pmproxy-no-clamd-${process.pid}.sock`);
    const s = await setUp(DOMAIN_MANAGERS, `clamd = ${JSON.stringify(socket)}\nonScannerDown = "refuse"\n`);
    try {
      const account = 'xmpp:chat.example.org';
      const room = s.gateway.managers.get('room') as UploadQuotaManager;
      const body = Buffer.alloc(QUOTA, 'z');
      // Each asks for the whole quota: one reservation left behind would turn the next into a 403.
      for (let i = 0; i < 3; i++) {
        const refused = await s.client.send(slot(['down', `${i}.bin`], QUOTA).url, {
          body,
          from: '127.0.0.2',
        });
        assert.equal(refused.status, 503, refused.text);
      }
      assert.equal(room.consumption(account), 0);
      assert.equal(s.gateway.services.consumption.reserved('room', account), 0);
    } finally {
      await s.gateway.stop();
      s.cleanup();
    }
  });
});
