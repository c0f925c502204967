import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ClamdClient } from '../../src/files/clamd.js';
import {
  clamdMissing,
  eicarBytes,
  EICAR_BODY_SIGNATURE,
  EICAR_HASH_SIGNATURE,
  startClamd,
  type RunningClamd,
} from '../helpers/clamd.js';
import { patternBytes } from '../helpers/origin.js';

// The clamd client against Debian's real clamd, started per suite on a unix socket (and TCP) with a
// database that knows only EICAR: verdicts, clamd's StreamMaxLength, clamd down or frozen, and a
// stream that reaches clamd while it is still being produced.

const MiB = 1024 * 1024;

const missing = clamdMissing();
if (missing !== undefined && process.env['CI'] === 'true') {
  it('has clamd to run the scanning tests (CI installs clamav-daemon)', () => assert.fail(missing));
}

/** clamd marks the names of signatures not from its official databases. */
const found = (name: string): string => `${name}.UNOFFICIAL`;

function bytesOf(...pieces: Buffer[]): Readable {
  return Readable.from(pieces);
}

/** Total size of the files under `dir`: what clamd has spooled of a stream so far. */
function spooled(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    try {
      total += entry.isDirectory() ? spooled(path) : statSync(path).size;
    } catch {
      // clamd removed it between the listing and the stat
    }
  }
  return total;
}

async function waitFor(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`waited ${ms} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the clamd client against a real clamd', { skip: missing ?? false }, () => {
  let clamd: RunningClamd;
  let client: ClamdClient;
  let dir: string;

  before(async () => {
    clamd = await startClamd({ streamMaxLength: '1M', tcp: true });
    client = new ClamdClient(clamd.socketPath, { connectTimeoutMs: 1000, timeoutMs: 10_000 });
    dir = mkdtempSync(join(tmpdir(), 'pmproxy-scan-'));
  });

  after(async () => {
    await clamd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers PING', async () => {
    assert.deepEqual(await client.ping(), { up: true });
  });

  it('finds clean bytes clean, an empty stream too', async () => {
    assert.deepEqual(await client.scan(bytesOf(patternBytes(200_000))), { verdict: 'clean' });
    assert.deepEqual(await client.scan(bytesOf()), { verdict: 'clean' });
    assert.deepEqual(await client.scan(Readable.from(['plain text, ', 'as strings'])), { verdict: 'clean' });
  });

  it('finds EICAR with our signature, alone or inside other bytes, cut across pieces', async () => {
    const eicar = eicarBytes();
    const alone = await client.scan(bytesOf(eicar));
    assert.equal(alone.verdict, 'infected');
    assert.ok(
      'signature' in alone &&
        [found(EICAR_HASH_SIGNATURE), found(EICAR_BODY_SIGNATURE)].includes(alone.signature),
      JSON.stringify(alone),
    );
    const inside = await client.scan(
      bytesOf(
        patternBytes(100_000),
        eicar.subarray(0, 30),
        Buffer.alloc(0),
        eicar.subarray(30),
        patternBytes(5),
      ),
    );
    assert.deepEqual(inside, { verdict: 'infected', signature: found(EICAR_BODY_SIGNATURE) });
  });

  it('scans over TCP when given host:port', async () => {
    assert.ok(clamd.tcpAddress !== undefined);
    const tcp = new ClamdClient(clamd.tcpAddress, { connectTimeoutMs: 1000, timeoutMs: 10_000 });
    assert.deepEqual(await tcp.ping(), { up: true });
    assert.equal((await tcp.scan(bytesOf(eicarBytes()))).verdict, 'infected');
  });

  it('streams a file from disk, and reports a stream over StreamMaxLength as an error', async () => {
    const small = join(dir, 'small.bin');
    writeFileSync(small, Buffer.concat([patternBytes(300_000), eicarBytes()]));
    assert.deepEqual(await client.scan(createReadStream(small)), {
      verdict: 'infected',
      signature: found(EICAR_BODY_SIGNATURE),
    });

    // 3 MiB against clamd's 1M: clamd stops it; the file stream is closed, not left half read.
    const big = join(dir, 'big.bin');
    writeFileSync(big, patternBytes(3 * MiB));
    const stream = createReadStream(big);
    const result = await client.scan(stream);
    assert.equal(result.verdict, 'error');
    assert.match('reason' in result ? result.reason : '', /size limit exceeded|StreamMaxLength/u);
    assert.ok(stream.destroyed, 'the file stream is closed');
    // clamd is no worse for it.
    assert.deepEqual(await client.scan(bytesOf(patternBytes(1000))), { verdict: 'clean' });
  });

  it('answers an error, and stays up, when the stream to scan fails', async () => {
    // A file that cannot be opened fails before clamd is even connected.
    const unopened = await client.scan(createReadStream(join(dir, 'no-such-file')));
    assert.equal(unopened.verdict, 'error');
    assert.match('reason' in unopened ? unopened.reason : '', /^reading the stream to scan: ENOENT/u);
    let sent = 0;
    const failing = new Readable({
      read() {
        if (sent === 4) this.destroy(new Error('disk on fire'));
        else this.push(patternBytes(10_000, sent++ * 10_000));
      },
    });
    assert.deepEqual(await client.scan(failing), {
      verdict: 'error',
      reason: 'reading the stream to scan: disk on fire',
    });
    assert.deepEqual(await client.ping(), { up: true });
  });

  it('gives up at the overall timeout when clamd is frozen (connected, never answering)', async () => {
    const quick = new ClamdClient(clamd.socketPath, { connectTimeoutMs: 1000, timeoutMs: 1500 });
    clamd.signal('SIGSTOP');
    try {
      const started = performance.now();
      const result = await quick.scan(bytesOf(patternBytes(10_000)));
      assert.deepEqual(result, {
        verdict: 'error',
        reason: `no answer from clamd at ${clamd.socketPath} within 1500 ms`,
      });
      assert.ok(performance.now() - started >= 1400, 'it waited for the timeout');
      const ping = await quick.ping();
      assert.equal(ping.up, false);
    } finally {
      clamd.signal('SIGCONT');
    }
    assert.deepEqual(await client.ping(), { up: true });
  });
});

describe('the clamd client when clamd is down', { skip: missing ?? false }, () => {
  it('answers an error at once: refused while the socket file remains, missing once it is gone', async () => {
    const clamd = await startClamd();
    // A long timeout, to show the answer does not wait for it.
    const client = new ClamdClient(clamd.socketPath, { connectTimeoutMs: 30_000, timeoutMs: 30_000 });
    try {
      // SIGKILL leaves the socket file behind: the state after a crash.
      clamd.signal('SIGKILL');
      await clamd.exited();
      const started = performance.now();
      const refused = await client.scan(bytesOf(eicarBytes()));
      assert.equal(refused.verdict, 'unreachable');
      assert.match('reason' in refused ? refused.reason : '', /ECONNREFUSED/u);
      assert.ok(performance.now() - started < 5000, 'not held until the timeout');
      assert.equal((await client.ping()).up, false);
    } finally {
      await clamd.stop();
    }
    const gone = await client.scan(bytesOf(eicarBytes()));
    assert.equal(gone.verdict, 'unreachable');
    assert.match('reason' in gone ? gone.reason : '', /ENOENT/u);
  });
});

describe('the clamd client streams', { skip: missing ?? false }, () => {
  let clamd: RunningClamd;

  before(async () => {
    clamd = await startClamd({ streamMaxLength: '64M' });
  });

  after(async () => {
    await clamd.stop();
  });

  it('sends a stream as it is produced, reading it only as fast as clamd takes it', async () => {
    // 24 MiB made on demand in 64 KiB pieces, held after 12 MiB until the test lets it go on. clamd
    // spools INSTREAM data to a file in its TemporaryDirectory as it arrives, so that file growing
    // while the source is held shows the bytes were sent, not gathered first; and the source being
    // never far ahead of the file shows the client waits for clamd (no unbounded buffering).
    const piece = 64 * 1024;
    const total = 24 * MiB;
    const hold = 12 * MiB;
    let produced = 0;
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const source = new Readable({
      highWaterMark: piece,
      read() {
        if (produced >= total) {
          this.push(null);
          return;
        }
        const next = (): void => {
          this.push(patternBytes(piece, produced));
          produced += piece;
        };
        if (produced === hold) void released.then(next);
        else next();
      },
    });

    let settled = false;
    const scanning = new ClamdClient(clamd.socketPath, { timeoutMs: 60_000 })
      .scan(source)
      .finally(() => (settled = true));
    let furthestAhead = 0;
    await waitFor('the source to reach the hold and clamd to spool 8 MiB of it', () => {
      const received = spooled(clamd.spoolDir);
      furthestAhead = Math.max(furthestAhead, produced - received);
      return produced === hold && received >= 8 * MiB;
    });
    assert.equal(settled, false, 'the scan is still going');
    release();
    assert.deepEqual(await scanning, { verdict: 'clean' });
    assert.equal(produced, total);
    assert.ok(furthestAhead < 4 * MiB, `the source ran ${furthestAhead} bytes ahead of clamd`);
  });
});
