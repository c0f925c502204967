import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MIN_BUCKET_BYTES, TokenBuckets } from '../../src/metering/bandwidth.js';
import { ManualClock } from '../../src/util/clock.js';

const KiB = 1024;

describe('token buckets', () => {
  it('lets one second of rate through, then asks to wait for the debt to refill', () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const pool = new TokenBuckets(clock);
    const rate = 100 * KiB;
    assert.equal(pool.take('bw', 'alice', rate, 100 * KiB), 0);
    // 50 KiB over at 100 KiB/s: half a second.
    assert.equal(pool.take('bw', 'alice', rate, 50 * KiB), 500);
    clock.advance(500);
    assert.equal(pool.take('bw', 'alice', rate, 0), 0);
    clock.advance(250);
    assert.equal(pool.take('bw', 'alice', rate, 50 * KiB), 250);
  });

  it('has at least 64 KiB of burst at slow rates', () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const pool = new TokenBuckets(clock);
    assert.equal(pool.take('bw', 'slow', 1 * KiB, MIN_BUCKET_BYTES), 0);
    assert.equal(pool.take('bw', 'slow', 1 * KiB, 1 * KiB), 1000);
  });

  it('shares one user’s rate between two connections', () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const pool = new TokenBuckets(clock);
    const rate = 200 * KiB;
    const a = (bytes: number) => pool.take('bw', 'alice', rate, bytes);
    const b = (bytes: number) => pool.take('bw', 'alice', rate, bytes);
    assert.equal(a(200 * KiB), 0); // the burst
    // Each connection reads 100 KiB: together 200 KiB, one second at the shared rate.
    assert.equal(a(100 * KiB), 500);
    assert.equal(b(100 * KiB), 1000);
    // Paced as the proxy paces (wait what take() says before the next read), both connections
    // together move exactly the one rate: 2000 KiB in 10 s is 200 KiB/s, 100 KiB/s each.
    clock.advance(1000);
    let elapsed = 0;
    let moved = 0;
    for (let i = 0; i < 10; i++) {
      const wait = Math.max(a(100 * KiB), b(100 * KiB));
      moved += 200 * KiB;
      clock.advance(wait);
      elapsed += wait;
    }
    assert.equal(elapsed, 10_000);
    assert.equal((moved / elapsed) * 1000, rate);
  });

  it('keeps users and managers apart', () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const pool = new TokenBuckets(clock);
    const rate = 64 * KiB;
    assert.equal(pool.take('bw', 'alice', rate, 128 * KiB), 1000);
    assert.equal(pool.take('bw', 'bob', rate, 64 * KiB), 0);
    assert.equal(pool.take('other', 'alice', rate, 64 * KiB), 0);
  });

  it('never refills beyond one bucket, however long the user was idle', () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const pool = new TokenBuckets(clock);
    const rate = 100 * KiB;
    pool.take('bw', 'alice', rate, 0);
    clock.advance(3_600_000);
    assert.equal(pool.take('bw', 'alice', rate, 100 * KiB), 0);
    assert.equal(pool.take('bw', 'alice', rate, 10 * KiB), 100);
  });

  it('drops idle buckets, and a user coming back starts with a full bucket', () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const pool = new TokenBuckets(clock);
    const rate = 100 * KiB;
    for (let i = 0; i < 50; i++) pool.take('bw', `user${i}`, rate, 150 * KiB);
    assert.equal(pool.size, 50);
    clock.advance(61_000);
    pool.take('bw', 'newcomer', rate, 1);
    assert.equal(pool.size, 1);
    assert.equal(pool.take('bw', 'user7', rate, 100 * KiB), 0);
  });

  it('keeps a bucket that still owes bytes when sweeping', () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const pool = new TokenBuckets(clock);
    const rate = 1 * KiB;
    // 64 KiB burst, then 120 KiB owed: two minutes to pay back at 1 KiB/s.
    pool.take('bw', 'heavy', rate, 184 * KiB);
    clock.advance(61_000);
    pool.take('bw', 'other', rate, 1);
    assert.equal(pool.size, 2);
    assert.equal(pool.take('bw', 'heavy', rate, 0), 59_000);
  });

  it('does not limit a rate of zero or infinity (unlimited)', () => {
    const pool = new TokenBuckets(new ManualClock(0));
    assert.equal(pool.take('bw', 'alice', 0, 10_000_000), 0);
    assert.equal(pool.take('bw', 'alice', Infinity, 10_000_000), 0);
    assert.equal(pool.size, 0);
  });

  it('applies a changed rate from now on, keeping the debt', () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const pool = new TokenBuckets(clock);
    pool.take('bw', 'alice', 100 * KiB, 100 * KiB);
    assert.equal(pool.take('bw', 'alice', 100 * KiB, 100 * KiB), 1000);
    assert.equal(pool.take('bw', 'alice', 200 * KiB, 0), 500);
  });
});
