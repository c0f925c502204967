import { closeGeneration, commitGeneration, loadGeneration, type Generation } from '../config/generation.js';
import { formatIssue } from '../config/issues.js';
import type { Services } from '../managers/types.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { Logger } from '../util/logger.js';
import { restartNeeded } from './restart-needed.js';

export interface ReloadResult {
  readonly ok: boolean;
  readonly messages: string[];
}

/** Whoever must know of reloads, whoever asked for one (serve: systemd's RELOADING=1 / READY=1). */
export interface ReloadWatcher {
  reloading(): Promise<void>;
  reloaded(result: ReloadResult): Promise<void>;
}

/** The running generation, as a reload reads and replaces it. */
export interface GenerationSlot {
  get(): Generation;
  set(next: Generation): void;
}

/**
 * Reloads of the configuration, one at a time (a SIGHUP during `pmproxy reload` waits for it): the
 * new generation is built apart and committed in one step, or refused with the running one left
 * as it was; listeners are kept (what needs a restart, such as an address, is reported by key).
 */
export class Reloads {
  #watcher: ReloadWatcher | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly slot: GenerationSlot,
    private readonly services: Services,
    private readonly log: Logger,
    private readonly metrics: GatewayMetrics,
  ) {}

  watch(watcher: ReloadWatcher): void {
    this.#watcher = watcher;
  }

  run(): Promise<ReloadResult> {
    const next = this.#queue.then(async () => {
      await this.#watcher?.reloading();
      const result = await this.#reloadNow();
      await this.#watcher?.reloaded(result);
      return result;
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #reloadNow(): Promise<ReloadResult> {
    const old = this.slot.get();
    const built = loadGeneration(old.config.dir, this.services, old);
    if (!built.ok) {
      for (const m of built.messages) this.log.error(`reload refused: ${m}`, { kind: 'config' });
      this.metrics.reload(false);
      return { ok: false, messages: built.messages };
    }
    const next = built.generation;
    commitGeneration(next, this.services);
    this.slot.set(next);
    const messages = next.config.warnings.map(formatIssue);
    const needRestart = restartNeeded(old.config.server, next.config.server);
    if (needRestart.length > 0) {
      messages.push(`server.toml changed: ${needRestart.join(', ')} apply only after a restart`);
    }
    for (const m of messages) this.log.warn(m, { kind: 'config' });
    await closeGeneration(old);
    this.metrics.reload(true);
    this.log.info('configuration reloaded', { rules: [...next.config.rules.keys()] });
    return { ok: true, messages };
  }
}
