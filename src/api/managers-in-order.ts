import { DownloadQuotaManager } from '../managers/dwn-cons-r.js';
import type { Manager } from '../managers/types.js';
import { PROXY_RULE } from '../config/managers-config.js';
import type { ApiDeps } from './deps.js';

/**
 * Managers of one kind, those the proxy rule names first (in the order it names them), then the
 * rest in configuration order: "the sessionIPM" or "the quota" of a user is the one the proxy meets.
 */
export function managersInRuleOrder(deps: ApiDeps, kind: string): Manager[] {
  const named = deps.policy().rule(PROXY_RULE)?.managers.values() ?? [];
  const ordered = new Set<Manager>([...named].filter((m) => m.kind === kind));
  for (const m of deps.managers().values()) if (m.kind === kind) ordered.add(m);
  return [...ordered];
}

export function quotaManagers(deps: ApiDeps): DownloadQuotaManager[] {
  return managersInRuleOrder(deps, 'dwnConsR').filter((m) => m instanceof DownloadQuotaManager);
}
