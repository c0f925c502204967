import { rssBytes } from '../lib/proc-stats.js';
import { sleep, type Running } from '../lib/processes.js';
import { closeAll, openIdle, type IdleBatch, type IdleKind, type IdleTarget } from './idle-sockets.js';

/**
 * 4,000 idle keep-alive connections, then 4,000 idle tunnels, held at once on one server: the
 * memory each kind costs (ΔVmRSS over the batch / its size, after 50 of each kind as warm-up),
 * how many the server closed before its idle timeout, and — when the timeout is known and short —
 * whether it closed them all once the timeout was up.
 */

export interface KindFigures {
  readonly kind: IdleKind;
  readonly requested: number;
  readonly opened: number;
  readonly failures: Readonly<Record<string, number>>;
  readonly openSeconds: number;
  readonly kbPerConnection: number;
  /** Closed by the server less than the idle timeout after falling idle (during the hold, without one). */
  readonly closedEarly: number;
  /** With an idle timeout: closed by the end of the grace after it, and how late the last was. */
  readonly closedAfterTimeout: number | undefined;
  readonly latestCloseAfterTimeoutSeconds: number | undefined;
}

export interface IdleFigures {
  readonly server: string;
  readonly idleTimeoutSeconds: number | undefined;
  /** How long the last connection to fall idle was held before the closing was watched. */
  readonly heldSeconds: number;
  readonly rssWarmMiB: number;
  readonly rssAllOpenMiB: number;
  readonly rssAfterHoldMiB: number;
  readonly rssAfterClosingMiB: number | undefined;
  readonly kinds: readonly KindFigures[];
}

export interface IdleRunOptions {
  readonly server: Running;
  readonly serverLabel: string;
  readonly target: IdleTarget;
  readonly connections: number;
  /** The server's idle timeout, to hold until just before it and check the closing after it; or a fixed hold. */
  readonly idle:
    { readonly timeoutSeconds: number; readonly graceSeconds: number } | { readonly holdSeconds: number };
}

const WARM_UP = 50;
const MiB = 1024 * 1024;
/** Clock slack between the server's view of "idle since" and the client's. */
const EARLY_SLACK_MS = 1000;

export async function measureIdle(options: IdleRunOptions): Promise<IdleFigures> {
  const { server, target, connections } = options;
  const rss = () => rssBytes(server.pid);
  const settle = () => sleep(1000);
  const warm = [await openIdle(target, 'keepalive', WARM_UP), await openIdle(target, 'tunnel', WARM_UP)];
  const batches: IdleBatch[] = [];
  const rssSteps: number[] = [];
  try {
    await settle();
    rssSteps.push(rss());
    for (const kind of ['keepalive', 'tunnel'] as const) {
      batches.push(await openIdle(target, kind, connections));
      await settle();
      rssSteps.push(rss());
    }
    const all = batches.flatMap((batch) => batch.sockets);
    if (all.length === 0)
      throw new Error(`no connection reached the idle state: ${JSON.stringify(batches[0]!.failures)}`);
    const firstIdle = Math.min(...all.map((s) => s.idleSince));
    const lastIdle = Math.max(...all.map((s) => s.idleSince));
    const idle = options.idle;
    const timeoutMs = 'timeoutSeconds' in idle ? idle.timeoutSeconds * 1000 : undefined;
    // Hold until just before the first connection's timeout is due (or for the fixed hold).
    const holdUntil =
      'holdSeconds' in idle
        ? performance.now() + idle.holdSeconds * 1000
        : firstIdle + idle.timeoutSeconds * 1000 - 2000;
    await sleep(Math.max(0, holdUntil - performance.now()));
    const heldSeconds = (performance.now() - lastIdle) / 1000;
    const rssAfterHold = rss();
    let rssAfterClosing: number | undefined;
    if ('timeoutSeconds' in idle) {
      const deadline = lastIdle + (idle.timeoutSeconds + idle.graceSeconds) * 1000;
      while (performance.now() < deadline && all.some((s) => s.closedAt === undefined)) await sleep(250);
      await settle();
      rssAfterClosing = rss();
    }
    const kinds = batches.map((batch, i): KindFigures => {
      const closedEarly = batch.sockets.filter((s) => {
        if (s.closedAt === undefined) return false;
        return timeoutMs === undefined || s.closedAt - s.idleSince < timeoutMs - EARLY_SLACK_MS;
      }).length;
      const afterTimeout = batch.sockets.filter(
        (s) =>
          s.closedAt !== undefined &&
          timeoutMs !== undefined &&
          s.closedAt - s.idleSince >= timeoutMs - EARLY_SLACK_MS,
      );
      const lateness = afterTimeout.map((s) => (s.closedAt! - s.idleSince - timeoutMs!) / 1000);
      return {
        kind: batch.kind,
        requested: connections,
        opened: batch.sockets.length,
        failures: batch.failures,
        openSeconds: batch.openSeconds,
        kbPerConnection:
          batch.sockets.length === 0 ? NaN : (rssSteps[i + 1]! - rssSteps[i]!) / batch.sockets.length / 1024,
        closedEarly,
        closedAfterTimeout: timeoutMs === undefined ? undefined : afterTimeout.length,
        latestCloseAfterTimeoutSeconds: lateness.length === 0 ? undefined : Math.max(...lateness),
      };
    });
    return {
      server: options.serverLabel,
      idleTimeoutSeconds: timeoutMs === undefined ? undefined : timeoutMs / 1000,
      heldSeconds,
      rssWarmMiB: rssSteps[0]! / MiB,
      rssAllOpenMiB: rssSteps[2]! / MiB,
      rssAfterHoldMiB: rssAfterHold / MiB,
      rssAfterClosingMiB: rssAfterClosing === undefined ? undefined : rssAfterClosing / MiB,
      kinds,
    };
  } finally {
    for (const batch of [...warm, ...batches]) closeAll(batch);
  }
}
