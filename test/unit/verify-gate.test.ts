import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultGateLimits, threadpoolSize, VerifyGate } from '../../src/auth/verify-gate.js';

/** A task that runs until released, recording when it started. */
function held(started: string[], name: string) {
  let release = (): void => {};
  const done = new Promise<string>((resolve) => (release = () => resolve(name)));
  return {
    task: () => {
      started.push(name);
      return done;
    },
    release: () => release(),
  };
}

describe('VerifyGate', () => {
  const limits = { concurrency: 2, perAddressRunning: 1, perAddressQueue: 2, totalQueue: 3 };

  it('runs at most its concurrency, one address at most its share, and refuses at once when full', async () => {
    const gate = new VerifyGate(limits);
    const started: string[] = [];
    const a1 = held(started, 'a1');
    const a2 = held(started, 'a2');
    const a3 = held(started, 'a3');
    const a4 = held(started, 'a4');
    const b1 = held(started, 'b1');
    const runs = [gate.tryRun('A', a1.task), gate.tryRun('A', a2.task), gate.tryRun('A', a3.task)];
    assert.ok(runs.every((r) => r instanceof Promise));
    assert.equal(gate.tryRun('A', a4.task), undefined, "A's queue is full");
    assert.deepEqual(started, ['a1'], 'A has its share running; the rest waits');
    const b = gate.tryRun('B', b1.task);
    assert.deepEqual(started, ['a1', 'b1'], 'B starts at once: a free slot, nobody of B waiting');
    assert.equal(gate.running, 2);
    assert.equal(gate.waiting, 2);
    a1.release();
    assert.equal(await runs[0], 'a1');
    assert.deepEqual(started, ['a1', 'b1', 'a2']);
    for (const t of [a2, a3, b1]) t.release();
    assert.deepEqual(await Promise.all([runs[1], runs[2], b]), ['a2', 'a3', 'b1']);
    assert.equal(gate.running, 0);
    assert.equal(gate.waiting, 0);
  });

  it('serves waiting addresses in turn, so a flood from one address does not hold another back', async () => {
    const gate = new VerifyGate({
      concurrency: 1,
      perAddressRunning: 2,
      perAddressQueue: 10,
      totalQueue: 20,
    });
    const started: string[] = [];
    const tasks = ['a1', 'a2', 'a3', 'a4'].map((n) => held(started, n));
    const b = held(started, 'b1');
    const runs = tasks.map((t) => gate.tryRun('A', t.task));
    const bRun = gate.tryRun('B', b.task);
    for (const t of tasks.slice(0, 2)) {
      t.release();
      await Promise.resolve();
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.deepEqual(started.slice(0, 3), ['a1', 'a2', 'b1'], 'B went right after the next of A');
    b.release();
    for (const t of tasks.slice(2)) t.release();
    await Promise.all([...runs, bRun]);
  });

  it('refuses beyond the total queue whatever the address', () => {
    const gate = new VerifyGate({ concurrency: 1, perAddressRunning: 1, perAddressQueue: 5, totalQueue: 1 });
    const never = () => new Promise<never>(() => {});
    assert.ok(gate.tryRun('A', never) instanceof Promise);
    assert.ok(gate.tryRun('B', never) instanceof Promise);
    assert.equal(gate.tryRun('C', never), undefined);
    assert.equal(gate.hasRoom('D'), false);
  });

  it('a task that throws frees its slot', async () => {
    const gate = new VerifyGate({ concurrency: 1, perAddressRunning: 1, perAddressQueue: 1, totalQueue: 1 });
    await assert.rejects(gate.tryRun('A', () => Promise.reject(new Error('store down'))) as Promise<never>);
    assert.equal(await gate.tryRun('A', () => Promise.resolve(7)), 7);
  });

  it('leaves one thread of the pool to DNS and files by default', () => {
    assert.equal(threadpoolSize({}), 4);
    assert.equal(threadpoolSize({ UV_THREADPOOL_SIZE: '8' }), 8);
    assert.equal(threadpoolSize({ UV_THREADPOOL_SIZE: 'lots' }), 4);
    assert.deepEqual(defaultGateLimits(4), {
      concurrency: 3,
      perAddressRunning: 2,
      perAddressQueue: 16,
      totalQueue: 32,
    });
  });
});
