import { LOAD_CORE } from '../lib/layout.js';
import { MiB } from '../lib/origin.js';
import { sleep, startInteractive, stop, type Running } from '../lib/processes.js';
import { eventsSince, markLog, type LogLine } from './event-log.js';
import { opsConfig } from './instance.js';
import type { OpsPorts } from './ports.js';
import { underLoad, type FaultRun } from './store-load.js';
import { probeManagers } from './store-probe.js';

/**
 * The store's file locked by another process (issue 12): a python3 holding BEGIN EXCLUSIVE on
 * pmproxy's SQLite file, as a backup tool or a forgotten `sqlite3` shell would, while a client keeps
 * making proxied requests and logging in, and a paced download keeps being charged. better-sqlite3
 * is synchronous: every write that waits for the lock waits on the event loop, proxying and all.
 */

export interface LockPlan {
  readonly warmUpSeconds: number;
  readonly baselineSeconds: number;
  readonly lockSeconds: number;
  readonly afterSeconds: number;
}

export interface LockFigures extends FaultRun {
  readonly plan: LockPlan;
  /** How long the other process really held the lock. */
  readonly heldSeconds: number;
  /** From the mark before python3 started to the lock's release, on the event log's clock. */
  readonly releasedAfterSeconds: number;
  readonly events: readonly LogLine[];
}

const DOWNLOAD_RATE = 4 * MiB;

const HOLD_LOCK = `
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
db.execute('BEGIN EXCLUSIVE')
print('locked', flush=True)
time.sleep(float(sys.argv[2]))
db.execute('COMMIT')
`;

/** Starts the python3 that holds the lock; resolves once it holds it, with the process. */
async function holdLock(storePath: string, seconds: number): Promise<Running> {
  const holder = startInteractive('sqlite-lock', LOAD_CORE, 'python3', [
    '-c',
    HOLD_LOCK,
    storePath,
    String(seconds),
  ]);
  const locked = new Promise<void>((resolve, reject) => {
    let said = '';
    holder.child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      said += text;
      if (said.includes('locked')) resolve();
    });
    void holder.exited.then((code) => reject(new Error(`python3 exited (${code}) before it held the lock`)));
  });
  await Promise.race([locked, sleep(15_000).then(() => Promise.reject(new Error('no lock after 15 s')))]);
  return holder;
}

export async function lockedStore(ports: OpsPorts, plan: LockPlan): Promise<LockFigures> {
  const config = opsConfig('store', ports, { managers: probeManagers() });
  const load = {
    config,
    name: 'pmproxy-store',
    downloadRate: DOWNLOAD_RATE,
    warmUpSeconds: plan.warmUpSeconds,
  };
  return underLoad(load, async (under) => {
    await sleep(plan.baselineSeconds * 1000);
    const mark = markLog(under.pmproxy.logPath);
    // Marked before python3 starts: it takes the lock at once, and a request it catches is its.
    under.faultStarts();
    const holder = await holdLock(config.storePath, plan.lockSeconds);
    try {
      const held = performance.now();
      await holder.exited;
      under.faultEnds();
      const heldSeconds = (performance.now() - held) / 1000;
      const releasedAfterSeconds = mark === undefined ? NaN : (Date.now() - mark.at) / 1000;
      await sleep(plan.afterSeconds * 1000);
      return {
        plan,
        heldSeconds,
        releasedAfterSeconds,
        events: eventsSince(mark),
        ...(await under.finish()),
      };
    } finally {
      await stop(holder);
    }
  });
}
