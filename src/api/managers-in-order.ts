import { withCapability, type Capability, type ManagerWith } from '../managers/capabilities.js';
import type { Manager } from '../managers/types.js';
import { PROXY_RULE } from '../config/managers-config.js';
import type { ApiDeps } from './deps.js';

/**
 * The managers with a capability, those the proxy rule names first (in the order it names them),
 * then the rest in configuration order: "the session manager" or "the quota" of a user is the one
 * the proxy meets.
 */
export function managersInRuleOrder<C extends Capability>(deps: ApiDeps, capability: C): ManagerWith<C>[] {
  const named: Iterable<Manager> = deps.policy().rule(PROXY_RULE)?.managers.values() ?? [];
  const ordered = new Set<Manager>(named);
  for (const m of deps.managers().values()) ordered.add(m);
  return withCapability(ordered, capability);
}

/** The download quotas (dwnConsR), in rule order. */
export function quotaManagers(deps: ApiDeps): ManagerWith<'downloadQuota'>[] {
  return managersInRuleOrder(deps, 'downloadQuota');
}
