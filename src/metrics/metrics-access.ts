import ipaddr from 'ipaddr.js';
import type { LoadedConfig } from '../config/load.js';
import { ruleContext } from '../managers/rule-context.js';
import type { Policy } from '../rules/decision.js';
import { normalizeIp } from '../util/ip.js';

/** What deciding who may scrape needs of the running gateway. */
export interface MetricsAccessDeps {
  config(): LoadedConfig;
  policy(): Policy;
  now(): Date;
}

function isLoopback(ip: string): boolean {
  try {
    return ipaddr.process(normalizeIp(ip)).range() === 'loopback';
  } catch {
    return false;
  }
}

/**
 * Whether `ip` may read /metrics: by `[policy] metrics` when managers.toml gives one, else only from
 * the gateway's own host (loopback), where Prometheus or its agent usually runs.
 */
export async function mayScrape(deps: MetricsAccessDeps, ip: string): Promise<{ ok: boolean; why: string }> {
  if (!deps.config().policyGiven.has('metrics')) {
    return isLoopback(ip)
      ? { ok: true, why: 'loopback' }
      : { ok: false, why: 'metrics are served to this host only; give [policy] metrics a rule to open them' };
  }
  const decision = await deps.policy().decide('metrics', ruleContext('metrics', ip, deps.now()));
  return decision.allow
    ? { ok: true, why: 'the metrics rule allows it' }
    : { ok: false, why: `the metrics rule does not allow this (${decision.result})` };
}
