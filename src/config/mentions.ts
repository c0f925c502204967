import type { ManagersConfig } from './managers-config.js';
import type { Issues } from './issues.js';

/**
 * What managers' settings name, read from their parsed configs without building them: the user
 * databases (`auth`, `userDBN`) and the groups (`group`, the keys of `groupQuota` and `groupRate`).
 */
function settingsOf(config: ManagersConfig): Record<string, unknown>[] {
  return config.managers.flatMap(({ config: c }) =>
    typeof c === 'object' && c !== null ? [c as Record<string, unknown>] : [],
  );
}

export function userDBsUsed(config: ManagersConfig): Set<string> {
  const used = new Set<string>();
  for (const settings of settingsOf(config)) {
    for (const key of ['auth', 'userDBN']) {
      const value = settings[key];
      if (typeof value === 'string') used.add(value);
    }
  }
  return used;
}

export function groupsMentioned(config: ManagersConfig): Set<string> {
  const groups = new Set<string>();
  for (const settings of settingsOf(config)) {
    if (typeof settings['group'] === 'string') groups.add(settings['group']);
    for (const key of ['groupQuota', 'groupRate']) {
      const table = settings[key];
      if (table instanceof Map)
        for (const group of table.keys()) if (typeof group === 'string') groups.add(group);
    }
  }
  return groups;
}

/** A user database no manager names: its users can neither log in nor be counted. */
export function warnUnusedUserDBs(config: ManagersConfig, issues: Issues): void {
  const used = userDBsUsed(config);
  config.userDBs.forEach((db) => {
    if (used.has(db.name)) return;
    issues.warn(
      db.kind,
      `user database "${db.name}" is used by no manager (no auth = "${db.name}" or userDBN = "${db.name}"), so its users cannot log in`,
    );
  });
}
