import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LOOPBACK, PROXY_CORE } from '../lib/layout.js';
import { sleep, startServer, stop, waitForPort, type Running } from '../lib/processes.js';
import { writableDirFor } from '../lib/templates.js';
import { CREDENTIALS, OPS_DIR, opsConfig, startPmproxy } from './instance.js';
import type { OpsPorts } from './ports.js';
import { pmproxyManagers, squidConfs, writeAtomically } from './reload-configs.js';
import type { ReloadedServer } from './reload-phases.js';
import { reconfigureSquid, reloadPmproxy } from './reload-signals.js';

/** pmproxy and Squid as the reloads section runs them, each with its series of reloads. */

export interface ReloadPlan {
  readonly count: number;
  readonly intervalMs: number;
}

export interface Started {
  readonly server: ReloadedServer;
  readonly proc: Running;
}

/** bench/config on the section's ports; CONNECT also to the checking origin; the access log in a file. */
export async function startReloadedPmproxy(
  ports: OpsPorts,
  checkingOriginPort: number,
  plan: ReloadPlan,
): Promise<Started> {
  const accessLog = join(OPS_DIR, 'reloads', 'access.log');
  rmSync(accessLog, { force: true });
  const config = opsConfig('reloads', ports, {
    server: (toml) =>
      `${toml.replace(
        `connectPorts = [${ports.origin}]`,
        `connectPorts = [${ports.origin}, ${checkingOriginPort}]`,
      )}\n[log]\n  accessFile = ${JSON.stringify(accessLog)}\n`,
  });
  const proc = await startPmproxy(config, 'pmproxy-reloads');
  const managers = pmproxyManagers();
  const managersPath = join(config.dir, 'managers.toml');
  const server: ReloadedServer = {
    name: 'pmproxy',
    pid: proc.pid,
    proxy: { proxyPort: ports.proxy, credentials: CREDENTIALS },
    reloads: () =>
      reloadPmproxy(proc.pid, proc.logPath!, managersPath, managers, plan.count, plan.intervalMs),
  };
  return { server, proc };
}

export interface StartedSquid extends Started {
  /** Writes the broken squid.conf and sends SIGHUP itself, as `kill -HUP` would: does Squid survive? */
  rawSighupWithBrokenConf(): Promise<string>;
}

export async function startReloadedSquid(
  port: number,
  connectPorts: readonly number[],
  plan: ReloadPlan,
): Promise<StartedSquid> {
  const dir = writableDirFor(join('ops', 'reloads', 'squid'), 'proxy', 'proxy');
  const confs = squidConfs({ dir, port, connectPorts });
  const conf = join(dir, 'squid.conf');
  writeAtomically(conf, confs.even);
  const cacheLog = join(dir, 'cache.log');
  rmSync(cacheLog, { force: true });
  const proc = startServer('squid-reloads', PROXY_CORE, 'squid', ['-N', '-f', conf]);
  try {
    await waitForPort(proc, LOOPBACK, port, 30_000);
  } catch (err) {
    await stop(proc, 'SIGINT');
    throw err;
  }
  const server: ReloadedServer = {
    name: 'Squid',
    pid: proc.pid,
    proxy: { proxyPort: port, credentials: undefined },
    reloads: () => reconfigureSquid(conf, cacheLog, confs, plan.count, plan.intervalMs),
  };
  return {
    server,
    proc,
    async rawSighupWithBrokenConf() {
      writeAtomically(conf, confs.broken);
      let exit: number | string | undefined;
      void proc.exited.then((code) => (exit = code));
      proc.child.kill('SIGHUP');
      await sleep(3_000);
      return exit === undefined ? 'kept running' : `exited (${exit})`;
    },
  };
}
