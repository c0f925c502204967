import type { SessionRecord } from '../store/types.js';

/**
 * Sessions bound to client addresses. Kept in memory for the hot path and written through to the
 * store, so a restart keeps them; `lastSeen` is flushed with the consumption on the persist interval.
 */
export interface SessionRegistry {
  /** The live session at `ip` for that sessionIPM manager; touches it (idle timeout restarts). */
  lookup(manager: string, ip: string): SessionRecord | undefined;
  /** Any live session at `ip` whose user came from user DB `db` (for dwnConsR, groupIPM). */
  userAt(ip: string, db: string): string | undefined;
  open(manager: string, db: string, ip: string, user: string): SessionRecord;
  close(manager: string, ip: string): boolean;
  closeUser(user: string, manager?: string): number;
  list(manager?: string): SessionRecord[];
  /** Registers a sessionIPM manager's limits: idle timeout and absolute lifetime (ms, 0 = none). */
  configure(manager: string, db: string, limits: { idleTimeout: number; lifetime: number }): void;
  /** Forgets the managers a reload removed: their sessions no longer say who anyone is. */
  retainManagers(managers: ReadonlySet<string>): void;
  flush(): void;
}
