import type { Gateway } from '../server/gateway.js';
import { SystemdNotifier } from '../server/sd-notify.js';
import type { Logger } from '../util/logger.js';

/** How often STATUS= is refreshed for `systemctl status`. */
const STATUS_EVERY_MS = 30_000;

/**
 * The gateway's life as systemd sees it (`Type=notify`): ready once every listener accepts,
 * reloading and ready again around a reload, stopping; and a status line with the connections open
 * and the last reload's result. Nothing happens when not run by systemd.
 */
export class ServiceStatus {
  readonly #notifier: SystemdNotifier;
  #lastReload = 'none since start';
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly gateway: Gateway,
    log: Logger,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.#notifier = new SystemdNotifier(log, env);
  }

  #status(): string {
    const { connections, tunnels } = this.gateway.proxy.stats();
    return `${connections} proxy connections (${tunnels} tunnels), ${this.gateway.web.connections.open()} API; last reload: ${this.#lastReload}`;
  }

  async ready(): Promise<void> {
    if (!this.#notifier.enabled) return;
    await this.#notifier.send({ READY: '1', STATUS: this.#status() });
    this.#timer = setInterval(() => void this.#notifier.send({ STATUS: this.#status() }), STATUS_EVERY_MS);
    this.#timer.unref();
  }

  reloading(): Promise<void> {
    const monotonicUs = String(process.hrtime.bigint() / 1000n);
    return this.#notifier.send({
      RELOADING: '1',
      MONOTONIC_USEC: monotonicUs,
      STATUS: 'reloading the configuration',
    });
  }

  reloaded(result: { ok: boolean; messages: readonly string[] }): Promise<void> {
    const at = new Date().toISOString();
    this.#lastReload = result.ok ? `applied ${at}` : `refused ${at}: ${result.messages[0] ?? ''}`;
    return this.#notifier.send({ READY: '1', STATUS: this.#status() });
  }

  stopping(): Promise<void> {
    clearInterval(this.#timer);
    return this.#notifier.send({ STOPPING: '1', STATUS: 'stopping: finishing requests in flight' });
  }
}
