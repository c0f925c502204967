/**
 * Group quotas an admin set at run time, kept over the TOML value of `[dwnConsR.groupQuota]` until
 * reverted, so they survive a restart. Reads come from memory (the proxy asks on every request).
 */
export interface GroupQuotaOverrides {
  /** Group → bytes set for the manager; empty when none. */
  forManager(manager: string): ReadonlyMap<string, number>;
  set(manager: string, group: string, bytes: number): void;
  /** Back to the TOML value; false when there was no override. */
  revert(manager: string, group: string): boolean;
}
