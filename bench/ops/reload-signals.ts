import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { LOAD_CORE } from '../lib/layout.js';
import { runCaptured, sleep } from '../lib/processes.js';
import { variantOf, writeAtomically, type Variant } from './reload-configs.js';

/**
 * A series of reloads, `intervalMs` apart, each with a new configuration written first (every 10th
 * broken): pmproxy's by SIGHUP, as systemd's ExecReload sends it; Squid's by `squid -k
 * reconfigure`. Each waits for the server's own word that it is done (its log) before the next
 * file is written, so that no reload reads the file meant for the next one; a reload slower than
 * the interval delays the next.
 */

export interface ReloadTally {
  readonly sent: number;
  readonly brokenSent: number;
  /** Good configurations taken (pmproxy: "configuration reloaded"; Squid: reconfigured and listening). */
  readonly applied: number;
  /** Broken ones refused with the running configuration kept. */
  readonly refused: number;
  /** Reloads with no outcome in the log within the timeout, or that went another way than planned. */
  readonly unexpected: number;
  /** From the signal to the server's word that the reload is over. */
  readonly slowestMs: number;
  readonly seconds: number;
}

const OUTCOME_TIMEOUT_MS = 10_000;

/** Counts lines of a growing log file, reading only what was added since the last look. */
class LogTail {
  #offset: number;
  #partial = '';

  constructor(private readonly path: string) {
    this.#offset = statSync(path).size;
  }

  /** The complete lines added since the last call. */
  lines(): string[] {
    const size = statSync(this.path).size;
    if (size <= this.#offset) return [];
    const fd = openSync(this.path, 'r');
    try {
      const buffer = Buffer.alloc(size - this.#offset);
      readSync(fd, buffer, 0, buffer.length, this.#offset);
      this.#offset = size;
      const text = this.#partial + buffer.toString('utf8');
      const lines = text.split('\n');
      this.#partial = lines.pop() ?? '';
      return lines;
    } finally {
      closeSync(fd);
    }
  }

  /** Waits for the first added line that `classify` names; undefined after the timeout. */
  async waitFor<T>(classify: (line: string) => T | undefined): Promise<T | undefined> {
    const deadline = Date.now() + OUTCOME_TIMEOUT_MS;
    while (Date.now() < deadline) {
      for (const line of this.lines()) {
        const found = classify(line);
        if (found !== undefined) return found;
      }
      await sleep(5);
    }
    return undefined;
  }
}

type Outcome = 'applied' | 'refused';

async function series(
  count: number,
  intervalMs: number,
  one: (number: number, variant: Variant) => Promise<Outcome | undefined>,
): Promise<ReloadTally> {
  let applied = 0;
  let refused = 0;
  let unexpected = 0;
  let brokenSent = 0;
  let slowestMs = 0;
  const started = performance.now();
  for (let number = 1; number <= count; number++) {
    await sleep(started + (number - 1) * intervalMs - performance.now());
    const variant = variantOf(number);
    if (variant === 'broken') brokenSent += 1;
    const sentAt = performance.now();
    const outcome = await one(number, variant);
    slowestMs = Math.max(slowestMs, performance.now() - sentAt);
    if (outcome === 'applied' && variant !== 'broken') applied += 1;
    else if (outcome === 'refused' && variant === 'broken') refused += 1;
    else unexpected += 1;
  }
  const seconds = (performance.now() - started) / 1000;
  return { sent: count, brokenSent, applied, refused, unexpected, slowestMs, seconds };
}

/** pmproxy reloads by SIGHUP; its stdout says "configuration reloaded" or "reload refused". */
export function reloadPmproxy(
  pid: number,
  logPath: string,
  managersPath: string,
  managers: Record<Variant, string>,
  count: number,
  intervalMs: number,
): Promise<ReloadTally> {
  const log = new LogTail(logPath);
  return series(count, intervalMs, async (_number, variant) => {
    writeAtomically(managersPath, managers[variant]);
    log.lines(); // what came before this reload
    process.kill(pid, 'SIGHUP');
    return log.waitFor<Outcome>((line) => {
      if (line.startsWith('pmproxy: configuration reloaded')) return 'applied';
      if (line.startsWith('pmproxy: reload refused')) return 'refused';
      return undefined;
    });
  });
}

/**
 * Squid reconfigures by `squid -k reconfigure -f conf` (which parses the file first and, when it is
 * broken, exits 1 without signalling); a reconfigure is over once cache.log says Squid accepts
 * connections again (it closes its listening port while it reconfigures).
 */
export function reconfigureSquid(
  confPath: string,
  cacheLog: string,
  confs: Record<Variant, string>,
  count: number,
  intervalMs: number,
): Promise<ReloadTally> {
  const log = new LogTail(cacheLog);
  return series(count, intervalMs, async (_number, variant) => {
    writeAtomically(confPath, confs[variant]);
    log.lines();
    const asked = await runCaptured(
      'squid-reconfigure',
      LOAD_CORE,
      'squid',
      ['-k', 'reconfigure', '-f', confPath],
      10_000,
    );
    if (asked.code !== 0) return 'refused';
    const listening = await log.waitFor((line) =>
      line.includes('Accepting HTTP Socket connections') ? true : undefined,
    );
    return listening === true ? 'applied' : undefined;
  });
}
