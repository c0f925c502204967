import { withCapability } from '../managers/capabilities.js';
import type { Manager } from '../managers/types.js';
import { listAllUsers } from '../users/all-users.js';
import type { UserDirectory } from '../users/types.js';
import type { GroupQuotaFigures } from './live-gauges.js';

/**
 * Each download quota's groups (those its groupQuota names: a bounded set, from the configuration
 * and the admin page) with their members' consumption in the current cycle, summed at scrape time.
 */
export function groupQuotaFigures(
  managers: ReadonlyMap<string, Manager>,
  users: UserDirectory,
): GroupQuotaFigures[] {
  const everyone = listAllUsers(users);
  const figures: GroupQuotaFigures[] = [];
  for (const manager of withCapability(managers.values(), 'downloadQuota')) {
    const members = everyone.filter((u) => u.db === manager.userDBN);
    for (const [group, quotaBytes] of manager.groupQuota()) {
      const inGroup = members.filter((u) => u.groups.includes(group));
      const usedBytes = inGroup.reduce((sum, u) => sum + manager.consumption(u.name), 0);
      figures.push({ manager: manager.name, group, members: inGroup.length, usedBytes, quotaBytes });
    }
  }
  return figures;
}
