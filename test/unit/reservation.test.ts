import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FileStore } from '../../src/files/file-store.js';
import { receiveUpload, type ReceivedUpload } from '../../src/files/receive-upload.js';
import type { Meter } from '../../src/managers/types.js';
import { Ledger } from '../../src/metering/ledger.js';
import { reserveAll, type Reservation } from '../../src/metering/reservation.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { ManualClock } from '../../src/util/clock.js';
import { MemoryMeter } from '../helpers/test-policy.js';

const DAY = 24 * 3_600_000;
const DAILY = { lengthMs: DAY, anchor: new Date('1970-01-05T00:00:00Z') };
const START = Date.parse('2026-11-20T00:00:00Z');

const root = mkdtempSync(join(tmpdir(), 'pmproxy-reserve-'));
const stores: SqliteStore[] = [];
after(() => {
  for (const s of stores) s.close();
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
function setUp(): { store: SqliteStore; ledger: Ledger; dir: string } {
  const dir = join(root, `r${n++}`);
  mkdirSync(dir);
  const store = SqliteStore.open(join(dir, 'store.sqlite'));
  stores.push(store);
  const ledger = new Ledger(store, new ManualClock('2026-11-20T10:00:00Z'));
  ledger.register('room', DAILY);
  ledger.register('other', DAILY);
  return { store, ledger, dir };
}

/** A meter over the ledger as the quota managers make them, limited to `quota`. */
function meter(ledger: Ledger, manager: string, quota: number): Meter {
  return {
    manager,
    user: 'acct',
    charge: (bytes) => (ledger.add(manager, 'acct', bytes), bytes),
    reserve: (bytes) => ledger.reserve(manager, 'acct', bytes, quota) ?? { refused: `${manager} full` },
    describe: () => '',
  };
}

function held(outcome: ReturnType<typeof reserveAll>): Reservation {
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.reason);
  return outcome.reservation;
}

describe('reservations in the consumption ledger', () => {
  it('counts what is held against the limit, so a second reservation cannot pass it', () => {
    const { ledger } = setUp();
    const first = ledger.reserve('room', 'acct', 60, 100);
    assert.ok(first !== undefined);
    assert.equal(ledger.reserved('room', 'acct'), 60);
    assert.equal(ledger.used('room', 'acct'), 0, 'held, not charged');
    assert.equal(ledger.reserve('room', 'acct', 41, 100), undefined);
    const second = ledger.reserve('room', 'acct', 40, 100);
    assert.ok(second !== undefined, 'exactly what is left fits');
    first.release();
    second.release();
    assert.equal(ledger.reserved('room', 'acct'), 0);
  });

  it('commits into the store at once, without a flush; release after commit, and twice, does nothing', () => {
    const { ledger, store } = setUp();
    const r = ledger.reserve('room', 'acct', 70, 100);
    assert.ok(r !== undefined);
    r.commit();
    assert.equal(store.consumption('room', START).get('acct'), 70);
    assert.equal(ledger.used('room', 'acct'), 70);
    assert.equal(ledger.reserved('room', 'acct'), 0);
    r.release();
    r.release();
    r.commit();
    assert.equal(ledger.used('room', 'acct'), 70);
    assert.equal(ledger.reserved('room', 'acct'), 0, 'a late release gives back nothing it no longer holds');
    assert.equal(ledger.reserve('room', 'acct', 31, 100), undefined);
  });

  it('reserves in every meter or in none', () => {
    const { ledger } = setUp();
    const room = meter(ledger, 'room', 100);
    const other = meter(ledger, 'other', 50);
    const both = held(reserveAll([room, other], 40));
    const refused = reserveAll([room, other], 20);
    assert.deepEqual(refused, { ok: false, manager: 'other', reason: 'other full' });
    assert.equal(ledger.reserved('room', 'acct'), 40, 'the refusal gave back what room had reserved for it');
    both.commit();
    both.release();
    assert.equal(ledger.used('room', 'acct'), 40);
    assert.equal(ledger.used('other', 'acct'), 40);
    assert.equal(ledger.reserved('room', 'acct') + ledger.reserved('other', 'acct'), 0);
  });

  it('charges a meter that cannot reserve when the reservation is committed, and never when released', () => {
    const { ledger } = setUp();
    const memory = new MemoryMeter(1000);
    held(reserveAll([memory], 10)).release();
    assert.deepEqual(memory.charges, []);
    held(reserveAll([memory, meter(ledger, 'room', 100)], 10)).commit();
    assert.deepEqual(memory.charges, [10]);
  });

  it('gives the room back when the charge cannot be written, and the write fails loudly', () => {
    const { ledger, store } = setUp();
    const r = ledger.reserve('room', 'acct', 10, 100);
    assert.ok(r !== undefined);
    store.close();
    assert.throws(() => r.commit(), /not open/u);
    assert.equal(ledger.reserved('room', 'acct'), 0);
  });
});

describe('an upload stored and charged in one transaction', () => {
  async function upload(dir: string, text: string): Promise<ReceivedUpload> {
    const outcome = await receiveUpload(dir, text.length, Readable.from([Buffer.from(text)]));
    assert.equal(outcome.kind, 'received');
    return (outcome as { upload: ReceivedUpload }).upload;
  }
  const facts = (path: string) => ({ path, contentType: 'text/plain', uploader: 'xmpp:x', uploadedAt: 1 });

  it('is in the catalog and in the consumption together, or in neither', async () => {
    const { ledger, store, dir } = setUp();
    const files = new FileStore(join(dir, 'files'), store.files);
    const ok = ledger.reserve('room', 'acct', 5, 100);
    assert.ok(ok !== undefined);
    assert.equal(
      files.create(await upload(files.dir, 'hello'), facts('a/ok.txt'), () => ok.commit()).kind,
      'created',
    );
    assert.equal(
      store.consumption('room', START).get('acct'),
      5,
      'charged in the store, not waiting for a flush',
    );

    const failing = (): void => {
      throw new Error('the charge could not be written');
    };
    await assert.rejects(
      async () => files.create(await upload(files.dir, 'oops!'), facts('a/no.txt'), failing),
      {
        message: 'the charge could not be written',
      },
    );
    assert.equal(store.files.current('a/no.txt'), undefined, 'an upload whose charge failed is not stored');
    const replaced = files.replace(await upload(files.dir, 'again'), facts('a/ok.txt'), 1, () => {
      assert.equal(store.files.versions('a/ok.txt').length, 2, 'the charge runs inside the catalog change');
    });
    assert.equal(replaced.kind, 'stored');
  });
});
