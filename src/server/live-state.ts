import { performance } from 'node:perf_hooks';
import type { Manager } from '../managers/types.js';
import { groupQuotaFigures } from '../metrics/group-quota-figures.js';
import type { LiveState } from '../metrics/live-gauges.js';
import type { ProxyServer } from '../proxy/server.js';
import type { UserDirectory } from '../users/types.js';
import type { PlainFileServer } from './plain-file-server.js';
import type { WebServer } from './web-server.js';

/** The running gateway's parts the metrics' gauges read, through getters so a reload is seen. */
export interface LiveParts {
  readonly proxy: ProxyServer;
  readonly web: WebServer;
  plainFiles(): PlainFileServer | undefined;
  managers(): ReadonlyMap<string, Manager>;
  users(): UserDirectory;
  /** performance.now() of the last consumption write that worked. */
  lastWritten(): number | undefined;
}

export function liveState(parts: LiveParts): LiveState {
  return {
    connections: () => {
      const open = new Map([
        ['proxy', parts.proxy.stats().connections],
        ['api', parts.web.connections.open()],
      ]);
      const files = parts.plainFiles();
      if (files !== undefined) open.set('files', files.connections.open());
      return open;
    },
    tunnels: () => parts.proxy.stats().tunnels,
    groupQuotas: () => groupQuotaFigures(parts.managers(), parts.users()),
    storeAge: () => {
      const at = parts.lastWritten();
      return at === undefined ? undefined : (performance.now() - at) / 1000;
    },
  };
}
