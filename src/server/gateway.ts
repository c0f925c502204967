import { removePidFile, writePidFile } from './pid-file.js';
import { checkInherited, fdOf, type ListenerName } from './inherited-sockets.js';
import { Reloads, type ReloadResult, type ReloadWatcher } from './reloads.js';
export type { ReloadResult, ReloadWatcher } from './reloads.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { LiveState } from '../metrics/live-gauges.js';
import { Observability } from './observability.js';
import type { MetricsAccessDeps } from '../metrics/metrics-access.js';
import { liveState } from './live-state.js';
import { LiveFlows } from '../proxy/live-flows.js';
import type { AddressInfo } from 'node:net';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { servicesFor } from '../config/build.js';
import { buildGeneration, closeGeneration, commitGeneration, type Generation } from '../config/generation.js';
import { ownListeners } from './own-listener-list.js';
import { SERVER_BUSY_TIMEOUT_MS, SqliteStore } from '../store/sqlite.js';
import { ConsumptionWriter } from '../metering/consumption-writer.js';
import type { RulePolicy } from '../rules/policy.js';
import type { Manager, Services } from '../managers/types.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { OwnListener } from '../proxy/own-listeners.js';
import { createProxyServer, type ProxyServer } from '../proxy/server.js';
import { startWebServer, type WebServer } from './web-server.js';
import { formatIssue } from '../config/issues.js';
import type { UserDirectory } from '../users/types.js';
import type { ApiDeps } from '../api/deps.js';
import { fileRouteDeps, mountApi } from '../api/app.js';
import { ExpiryJob } from '../files/expiry-job.js';
import { startPlainFileServer, type PlainFileServer } from './plain-file-server.js';
import { TokenSigner } from '../api/tokens.js';
import { LoginLimiter } from '../auth/login-limiter.js';
import { verifyGate } from '../auth/verify-gate.js';
import { dirname, join } from 'node:path';
import { CONTROL_SOCKET_NAME, startControlSocket, type ControlSocket } from './control-socket.js';
import { controlRoutes } from './control-routes.js';
import { RefusalLog } from '../proxy/refusal-log.js';
import { seedUsers, type SeededUsers } from '../users/seed-users.js';

export interface GatewayOptions {
  readonly configDir: string;
  readonly log: Logger;
  readonly clock?: Clock;
  /**
   * Where the access log goes without `[log] accessFile`: stdout (the default), or nowhere (tests
   * and benchmarks running the gateway in their own process, whose stdout is their report).
   */
  readonly accessToStdout?: boolean;
  /** Listening sockets systemd passed (socket activation), by listener; they replace the addresses. */
  readonly inherited?: ReadonlyMap<ListenerName, number>;
}

/**
 * The running gateway: the store, the services shared by every manager, the proxy and the HTTPS
 * listener. A reload swaps managers and rules without closing listeners; persistence runs on the
 * configured interval and at shutdown.
 */
export class Gateway {
  #generation: Generation;
  #persistTimer: NodeJS.Timeout | undefined;
  /** Consumption to the store every `[store] consumptionInterval`, apart from `persistInterval`. */
  #consumptionWriter: ConsumptionWriter | undefined;
  #stopping: Promise<void> | undefined;
  /** `[files.server]`: the file routes on plain HTTP, when configured. */
  #plainFiles: PlainFileServer | undefined;
  #expiry: ExpiryJob | undefined;
  /** The listeners the proxy hands its clients to in-process instead of dialling them. */
  #ownListeners: readonly OwnListener[] = [];
  /** Where `pmproxy quota show` and the like get live figures. */
  #control: ControlSocket | undefined;
  /** `pmproxy.pid` beside the store, for admins and `pmproxy reload` when the control socket is gone. */
  #pidFile: string | undefined;
  readonly #reloads: Reloads;
  /** The users `[sqlDB.seed]` put in the store at this start (the first one only). */
  seeded: readonly SeededUsers[] = [];

  private constructor(
    readonly services: Services,
    generation: Generation,
    readonly proxy: ProxyServer,
    readonly web: WebServer,
    readonly log: Logger,
    /** The access log, the metrics (GET /metrics) and `[metrics.server]`. */
    readonly observed: Observability,
  ) {
    this.#generation = generation;
    const slot = { get: () => this.#generation, set: (next: Generation) => (this.#generation = next) };
    this.#reloads = new Reloads(slot, services, log, observed.metrics);
  }

  static async start(options: GatewayOptions): Promise<Gateway> {
    const clock = options.clock ?? systemClock;
    const inherited = options.inherited ?? new Map<ListenerName, number>();
    const log = options.log;
    const config = loadConfig(options.configDir);
    for (const w of config.warnings) log.warn(formatIssue(w), { kind: 'config' });
    const store = SqliteStore.open(config.server.store.path, SERVER_BUSY_TIMEOUT_MS);
    let seeded: SeededUsers[];
    try {
      seeded = await seedUsers(config.userDBs, store);
    } catch (err) {
      store.close();
      throw err;
    }
    const services = servicesFor(config, store, clock, log);
    let generation: Generation;
    try {
      generation = buildGeneration(config, services);
      commitGeneration(generation, services);
    } catch (err) {
      store.close();
      throw err;
    }
    const flows = new LiveFlows();
    const observed = new Observability(config.server.log, options.accessToStdout !== false);
    // The API is mounted before the Gateway object exists; it reads the live generation through this.
    const started: { gateway?: Gateway } = {};
    const refusals = new RefusalLog();
    const api: ApiDeps = {
      services,
      refusals,
      tokens: new TokenSigner(store, clock),
      passwords: { limiter: new LoginLimiter(store, clock, log), gate: verifyGate },
      config: () => started.gateway?.config ?? generation.config,
      managers: () => started.gateway?.managers ?? generation.managers,
      users: () => started.gateway?.users ?? generation.users,
      policy: () => started.gateway?.policy ?? generation.policy,
      proxyAddress: () => started.gateway?.proxyAddress,
      flows,
      metrics: observed.metrics,
    };
    let web: WebServer;
    try {
      checkInherited(inherited, config);
      web = await startWebServer({
        settings: config.server.api,
        log,
        configure: (app) => mountApi(app, api, log),
        ...fdOf(inherited, 'api'),
      });
    } catch (err) {
      await observed.close();
      store.close();
      throw err;
    }
    const proxy = createProxyServer({
      access: observed.access,
      policy: { decide: (rule, ctx) => running.#generation.policy.decide(rule, ctx) },
      // The live settings, so that a reload applies connectPorts and allowInternal.
      settings: () => started.gateway?.config.server.proxy ?? config.server.proxy,
      ownListeners: () => running.#ownListeners,
      clock,
      log,
      apiUrl: web.url,
      refusals,
      flows,
    });
    const running: Gateway = new Gateway(services, generation, proxy, web, log, observed);
    try {
      await proxy.listen(config.server.proxy.addr, inherited.get('proxy'));
    } catch (err) {
      await web.close();
      await observed.close();
      store.close();
      throw err;
    }
    started.gateway = running;
    running.seeded = seeded;
    const filesServer = config.server.files?.server;
    if (filesServer !== undefined) {
      try {
        running.#plainFiles = await startPlainFileServer(
          filesServer,
          fileRouteDeps(api, log),
          log,
          inherited.get('files'),
        );
      } catch (err) {
        await running.stop(0);
        throw err;
      }
    }
    const metricsAddr = config.server.metrics.server?.addr;
    if (metricsAddr !== undefined) {
      try {
        await observed.serveMetrics(metricsAddr, running.#scrapeAccess(), log, inherited.get('metrics'));
      } catch (err) {
        await running.stop(0);
        throw err;
      }
    }
    running.#ownListeners = ownListeners(web, running.#plainFiles);
    running.#expiry = new ExpiryJob(() => running.config.server.files, store.files, clock, log);
    running.#expiry.start();
    running.#persistTimer = setInterval(() => running.persist(), config.server.api.persistInterval);
    running.#persistTimer.unref();
    running.#consumptionWriter = new ConsumptionWriter(
      services.consumption,
      config.server.store.consumptionInterval,
      log,
      (seconds, ok) => observed.metrics.storeWrite(seconds, ok),
    );
    observed.watch(running.#liveState());
    running.#consumptionWriter.start();
    running.#control = await startControlSocket(
      join(dirname(config.server.store.path), CONTROL_SOCKET_NAME),
      controlRoutes({
        managers: () => running.managers,
        users: () => running.users,
        sessions: services.sessions,
        reload: () => running.reload(),
      }),
      log,
    );
    running.#pidFile = writePidFile(dirname(config.server.store.path));
    return running;
  }

  /** What the metrics' gauges read at scrape time. */
  #liveState(): LiveState {
    return liveState({
      proxy: this.proxy,
      web: this.web,
      plainFiles: () => this.#plainFiles,
      managers: () => this.managers,
      users: () => this.users,
      lastWritten: () => this.#consumptionWriter?.lastWritten,
    });
  }

  #scrapeAccess(): MetricsAccessDeps {
    return { config: () => this.config, policy: () => this.policy, now: () => this.services.clock.now() };
  }

  /** The Prometheus metrics of this gateway (GET /metrics). */
  get metrics(): GatewayMetrics {
    return this.observed.metrics;
  }

  /** Opens the access log file again (SIGUSR1, after logrotate moved it). */
  reopenLogs(): void {
    this.observed.reopenLogs();
  }

  get config(): LoadedConfig {
    return this.#generation.config;
  }
  /** The user databases of the running configuration. */
  get users(): UserDirectory {
    return this.#generation.users;
  }
  get managers(): ReadonlyMap<string, Manager> {
    return this.#generation.managers;
  }
  get policy(): RulePolicy {
    return this.#generation.policy;
  }
  get proxyAddress(): AddressInfo {
    return this.proxy.address();
  }
  /** The plain-HTTP file listener of `[files.server]`, when configured. */
  get plainFiles(): PlainFileServer | undefined {
    return this.#plainFiles;
  }
  /** Deletes files past `[files] ttl` now, as the periodic job does. */
  expireFiles(): ReturnType<ExpiryJob['run']> {
    return this.#expiry?.run() ?? [];
  }

  /** Writes consumption and session activity to the store. Never throws: a failed flush retries. */
  persist(): void {
    const flushes = [
      ['consumption', () => this.services.consumption.flush()],
      ['sessions', () => this.services.sessions.flush()],
    ] as const;
    for (const [what, flush] of flushes) {
      try {
        flush();
      } catch (err) {
        this.log.error(`persisting ${what} failed; will retry`, { err: String(err) });
      }
    }
  }

  /** Re-reads the configuration; see Reloads. SIGHUP and `pmproxy reload` both come here. */
  reload(): Promise<ReloadResult> {
    return this.#reloads.run();
  }

  /** Whoever must know of reloads (serve: systemd); one at a time. */
  watchReloads(watcher: ReloadWatcher): void {
    this.#reloads.watch(watcher);
  }

  /** Stops accepting, lets requests in flight finish up to `graceMs`, flushes, closes the store. */
  stop(graceMs = this.config.server.gracefulTimeout): Promise<void> {
    this.#stopping ??= (async () => {
      if (this.#persistTimer !== undefined) clearInterval(this.#persistTimer);
      this.#consumptionWriter?.stop();
      this.#expiry?.stop();
      await this.#control?.close();
      await Promise.all([this.proxy.close(graceMs), this.web.close(), this.#plainFiles?.close()]);
      this.persist();
      await closeGeneration(this.#generation);
      await this.observed.close();
      if (this.#pidFile !== undefined) removePidFile(this.#pidFile);
      this.services.store.close();
    })();
    return this.#stopping;
  }
}
