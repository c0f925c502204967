import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOOPBACK, SMALL_FILE, WWW_DIR } from '../lib/layout.js';
import { MiB, prepareFiles } from '../lib/origin.js';
import { stop, type Running } from '../lib/processes.js';
import { startOriginOn } from './instance.js';
import { portsFor } from './ports.js';
import { smallPhase, transferPhase, type PhaseResult, type ReloadedServer } from './reload-phases.js';
import { reloadReport } from './reload-report.js';
import { reloadCounters } from './reload-resources.js';
import { startReloadedPmproxy, startReloadedSquid, type ReloadPlan } from './reload-servers.js';
import { startCheckingOrigin } from './reload-transfers.js';
import type { OpsSection, SectionResult } from './section.js';

/**
 * Reloads under load: pmproxy (SIGHUP) and Squid (squid -k reconfigure) each take a series of
 * reloads, every 10th with a broken configuration, under each of three loads in turn; every request
 * and every byte is checked, and what the server holds is taken before and after.
 */

const GETS = 4;
const TUNNELS = 4;

async function underEveryLoad(
  server: ReloadedServer,
  reloadsMs: number,
  originPort: number,
  checkingOriginPort: number,
  transfer: { readonly bytes: number; readonly seconds: number },
): Promise<PhaseResult[]> {
  const small = {
    ...server.proxy,
    url: `http://${LOOPBACK}:${originPort}/${SMALL_FILE}`,
    body: readFileSync(join(WWW_DIR, SMALL_FILE), 'utf8'),
  };
  return [
    await smallPhase(server, small, 'keep-alive', reloadsMs),
    await smallPhase(server, small, 'close', reloadsMs),
    await transferPhase(server, {
      originPort: checkingOriginPort,
      ...transfer,
      gets: GETS,
      tunnels: TUNNELS,
    }),
  ];
}

export const reloadsSection: OpsSection = {
  name: 'reloads',
  summary: 'reloads every 200 ms (every 10th broken) under three loads, pmproxy and Squid',
  async run(options): Promise<SectionResult> {
    const plan: ReloadPlan = { count: options.quick ? 20 : 100, intervalMs: 200 };
    const transfer = options.quick ? { bytes: 64 * MiB, seconds: 8 } : { bytes: 1024 * MiB, seconds: 30 };
    const reloadsMs = plan.count * plan.intervalMs;
    const ports = portsFor('reloads');
    const checkingOriginPort = ports.spare;
    const squidPort = ports.spare + 1;
    await prepareFiles(1);
    const started: Running[] = [];
    const checkingOrigin = await startCheckingOrigin(checkingOriginPort);
    const phases: PhaseResult[] = [];
    let metrics: Record<string, number> | string | undefined;
    let squidRawSighup: string | undefined;
    try {
      started.push(await startOriginOn('origin-reloads', ports.origin));

      const pmproxy = await startReloadedPmproxy(ports, checkingOriginPort, plan);
      started.push(pmproxy.proc);
      phases.push(
        ...(await underEveryLoad(pmproxy.server, reloadsMs, ports.origin, checkingOriginPort, transfer)),
      );
      metrics = await reloadCounters(ports.api).catch((err: unknown) => String(err));
      await stop(pmproxy.proc);

      const squid = await startReloadedSquid(squidPort, [ports.origin, checkingOriginPort], plan);
      started.push(squid.proc);
      phases.push(
        ...(await underEveryLoad(squid.server, reloadsMs, ports.origin, checkingOriginPort, transfer)),
      );
      squidRawSighup = await squid.rawSighupWithBrokenConf();
    } finally {
      checkingOrigin.close();
      for (const proc of started.reverse())
        await stop(proc, proc.name.startsWith('squid') ? 'SIGINT' : 'SIGTERM');
    }
    const lines = reloadReport(phases, {
      count: plan.count,
      intervalMs: plan.intervalMs,
      transferMiB: transfer.bytes / MiB,
      transferSeconds: transfer.seconds,
      metrics: metrics ?? 'not read',
      squidRawSighup,
    });
    return { lines, figures: { plan, transfer, phases, metrics, squidRawSighup } };
  },
};
