import { performance } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/** A quota's figures for one group: what its members used in the cycle, and the group's quota. */
export interface GroupQuotaFigures {
  readonly manager: string;
  readonly group: string;
  readonly members: number;
  readonly usedBytes: number;
  readonly quotaBytes: number;
}

/** What the gauges read when Prometheus scrapes: the running gateway's state at that moment. */
export interface LiveState {
  /** Open client connections per listener surface (proxy, api, files). */
  connections(): ReadonlyMap<string, number>;
  /** CONNECT tunnels in flight. */
  tunnels(): number;
  groupQuotas(): readonly GroupQuotaFigures[];
  /** Seconds since consumption was last written to the store; undefined before the first write. */
  storeAge(): number | undefined;
}

/** Within one scrape, the figures of several gauges are read once. */
const SCRAPE_MS = 1_000;

/** Gauges computed at scrape time, so nothing is kept up to date on the request path. */
export function registerLiveGauges(registry: Registry, state: LiveState): void {
  const registers = [registry];
  new Gauge({
    name: 'pmproxy_open_connections',
    help: 'Client connections open now, by listener surface',
    labelNames: ['surface'],
    registers,
    collect() {
      this.reset();
      for (const [surface, count] of state.connections()) this.set({ surface }, count);
    },
  });
  new Gauge({
    name: 'pmproxy_proxy_tunnels',
    help: 'CONNECT tunnels in flight now',
    registers,
    collect() {
      this.set(state.tunnels());
    },
  });
  // Three gauges read the same figures, which sum every user's consumption: once per scrape.
  let figures: { at: number; groups: readonly GroupQuotaFigures[] } | undefined;
  const groups = (): readonly GroupQuotaFigures[] => {
    const now = performance.now();
    if (figures === undefined || now - figures.at > SCRAPE_MS)
      figures = { at: now, groups: state.groupQuotas() };
    return figures.groups;
  };
  new Gauge({
    name: 'pmproxy_quota_used_bytes',
    help: "What a group's members used of a download quota in the current cycle (a user in two groups counts in both)",
    labelNames: ['manager', 'group'],
    registers,
    collect() {
      this.reset();
      for (const g of groups()) this.set({ manager: g.manager, group: g.group }, g.usedBytes);
    },
  });
  new Gauge({
    name: 'pmproxy_quota_limit_bytes',
    help: "A group's download quota per member (configured, or set at run time on the admin page)",
    labelNames: ['manager', 'group'],
    registers,
    collect() {
      this.reset();
      for (const g of groups()) this.set({ manager: g.manager, group: g.group }, g.quotaBytes);
    },
  });
  new Gauge({
    name: 'pmproxy_quota_group_members',
    help: 'Users in a group under a download quota',
    labelNames: ['manager', 'group'],
    registers,
    collect() {
      this.reset();
      for (const g of groups()) this.set({ manager: g.manager, group: g.group }, g.members);
    },
  });
  new Gauge({
    name: 'pmproxy_store_write_age_seconds',
    help: 'Seconds since consumption was last written to the store',
    registers,
    collect() {
      const age = state.storeAge();
      if (age !== undefined) this.set(age);
    },
  });
}
