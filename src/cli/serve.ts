import { inheritedSockets } from '../server/inherited-sockets.js';
import { ServiceStatus } from './service-status.js';
import { ConfigError, EX_CONFIG, formatIssue } from '../config/issues.js';
import { Gateway } from '../server/gateway.js';
import { createJsonLogger } from '../util/json-logger.js';

/**
 * Runs the gateway until SIGINT/SIGTERM (graceful stop, consumption flushed) and reloads the
 * configuration on SIGHUP. Prints where each listener is, for the person who started it.
 */
export async function serve(configDir: string): Promise<number> {
  const log = createJsonLogger();
  let gateway: Gateway;
  try {
    gateway = await Gateway.start({ configDir, log, inherited: socketsFromSystemd() });
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const issue of err.issues) process.stderr.write(`${formatIssue(issue)}\n`);
      process.stderr.write(
        `pmproxy: ${err.issues.length} configuration error(s) in ${configDir}; not starting\n`,
      );
      return EX_CONFIG;
    }
    throw err;
  }
  // PMPROXY_LOG_LEVEL, when set, wins over [log] level: it is how one debugs a single run.
  if (process.env['PMPROXY_LOG_LEVEL'] === undefined) log.setLevel(gateway.config.server.log.level);
  const proxy = gateway.proxyAddress;
  const service = new ServiceStatus(gateway, log);
  // Handlers go in before the listeners are announced: whoever reads that line may signal at once.
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      process.stdout.write(
        `pmproxy: ${signal}: stopping (finishing requests in flight, saving consumption)\n`,
      );
      void service.stopping();
      gateway.stop().then(
        () => resolve(0),
        (err: unknown) => {
          log.error('shutdown failed', { err: String(err) });
          resolve(1);
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    // logrotate's postrotate sends USR1: the access log file is opened again at its path.
    process.on('SIGUSR1', () => gateway.reopenLogs());
    // SIGHUP and `pmproxy reload` (over the control socket) run the same reload.
    gateway.watchReloads({
      reloading: () => service.reloading(),
      reloaded: (r) => {
        process.stdout.write(
          r.ok ? 'pmproxy: configuration reloaded\n' : 'pmproxy: reload refused, old configuration kept\n',
        );
        return service.reloaded(r);
      },
    });
    process.on('SIGHUP', () => void gateway.reload());
  });
  const proxyHost = proxy.family === 'IPv6' ? `[${proxy.address}]` : proxy.address;
  process.stdout.write(`pmproxy: proxy listening on http://${proxyHost}:${proxy.port}\n`);
  process.stdout.write(
    `pmproxy: web and API on ${gateway.web.url} (certificate SHA-256 ${gateway.web.fingerprint})\n`,
  );
  const files = gateway.config.server.files;
  if (files !== undefined) {
    const plain = gateway.plainFiles === undefined ? '' : ` and ${gateway.plainFiles.url}${files.prefix}`;
    process.stdout.write(
      `pmproxy: file server at ${gateway.web.url}${files.prefix}${plain}, files in ${files.storeDir}\n`,
    );
  }
  const metricsServer = gateway.observed.metricsServer;
  if (metricsServer !== undefined) {
    const { address, port } = metricsServer.address();
    process.stdout.write(
      `pmproxy: metrics on http://${address.includes(':') ? `[${address}]` : address}:${port}/metrics\n`,
    );
  }
  const { access, accessFile } = gateway.config.server.log;
  if (accessFile !== undefined) process.stdout.write(`pmproxy: access log (${access}) in ${accessFile}\n`);
  process.stdout.write(`pmproxy: store ${gateway.config.server.store.path}, config ${gateway.config.dir}\n`);
  for (const { db, users } of gateway.seeded) {
    if (users.length === 0) continue;
    const who = users.map((u) => (u.groups.length > 0 ? `${u.name} (${u.groups.join(', ')})` : u.name));
    process.stdout.write(
      `pmproxy: first start: added ${who.join(', ')} to user database "${db}" from [sqlDB.seed]; ` +
        `manage them with 'pmproxy user' or on ${gateway.web.url}/admin\n`,
    );
  }

  // Every listener accepts by now: systemd may send clients (and start what depends on us).
  await service.ready();
  return stopped;
}

/** Socket activation's sockets; a mismatch is a unit and a configuration out of step (EX_CONFIG). */
function socketsFromSystemd(): ReturnType<typeof inheritedSockets> {
  try {
    return inheritedSockets();
  } catch (err) {
    throw new ConfigError([
      { file: 'pmproxy.socket', path: '', message: err instanceof Error ? err.message : String(err) },
    ]);
  }
}
