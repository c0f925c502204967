import { randomUUID } from 'node:crypto';
import type { SessionRecord, Store } from '../store/types.js';
import type { Clock } from '../util/clock.js';
import type { SessionRegistry } from './types.js';

interface LiveSession {
  readonly manager: string;
  readonly ip: string;
  readonly user: string;
  readonly openedAt: number;
  lastSeen: number;
}

interface Limits {
  readonly idleTimeout: number;
  readonly lifetime: number;
}

/**
 * Meta key rewritten (with a fresh random value) after every session open or close. Another process
 * (the admin CLI) changing sessions changes it; reading one row tells whether to reload.
 */
export const SESSIONS_CHANGED_KEY = 'sessions.changed';

/** How often, at most, a lookup asks the store whether another process changed sessions. */
const DEFAULT_CHANGE_CHECK_MS = 1000;

const NO_LIMITS: Limits = { idleTimeout: 0, lifetime: 0 };

/**
 * Sessions in memory for the hot path, written through to the store on open and close so a restart
 * keeps them; `lastSeen` changes in memory and reaches the store on `flush()`.
 *
 * Changes made by another process are noticed through SESSIONS_CHANGED_KEY: checked on every flush
 * and by lookups at most once per `changeCheckMs` of clock time. That costs one indexed read of a
 * small row per second instead of per request, and an admin's `pmproxy session open|close` reaches
 * the running server within a second.
 */
export class SessionRegistryImpl implements SessionRegistry {
  /** manager → ip → session */
  readonly #byManager = new Map<string, Map<string, LiveSession>>();
  /** manager → user DB, from configure() and open() */
  readonly #dbOf = new Map<string, string>();
  readonly #limits = new Map<string, Limits>();
  readonly #dirty = new Set<LiveSession>();
  readonly #changeCheckMs: number;
  #seenToken: string | undefined;
  #nextCheck = 0;

  constructor(
    readonly store: Store,
    readonly clock: Clock,
    options: { changeCheckMs?: number } = {},
  ) {
    this.#changeCheckMs = options.changeCheckMs ?? DEFAULT_CHANGE_CHECK_MS;
    this.#seenToken = store.getMeta(SESSIONS_CHANGED_KEY);
    this.#load();
  }

  configure(manager: string, db: string, limits: { idleTimeout: number; lifetime: number }): void {
    this.#dbOf.set(manager, db);
    this.#limits.set(manager, { idleTimeout: limits.idleTimeout, lifetime: limits.lifetime });
  }

  retainManagers(managers: ReadonlySet<string>): void {
    for (const name of [...this.#dbOf.keys()]) {
      if (!managers.has(name)) {
        this.#dbOf.delete(name);
        this.#limits.delete(name);
      }
    }
  }

  lookup(manager: string, ip: string): SessionRecord | undefined {
    const now = this.clock.now().getTime();
    this.#maybeReload(now);
    return this.#live(manager, ip, now);
  }

  userAt(ip: string, db: string): string | undefined {
    const now = this.clock.now().getTime();
    this.#maybeReload(now);
    for (const [manager, managerDb] of this.#dbOf) {
      if (managerDb !== db) continue;
      const session = this.#live(manager, ip, now);
      if (session !== undefined) return session.user;
    }
    return undefined;
  }

  open(manager: string, db: string, ip: string, user: string): SessionRecord {
    if (!this.#dbOf.has(manager)) this.#dbOf.set(manager, db);
    const now = this.clock.now().getTime();
    const session: LiveSession = { manager, ip, user, openedAt: now, lastSeen: now };
    const sessions = this.#sessionsOf(manager);
    for (const old of sessions.values()) {
      if (old.user === user) this.#forget(old);
    }
    const replaced = sessions.get(ip);
    if (replaced !== undefined) this.#forget(replaced);
    sessions.set(ip, session);
    this.store.putSession(session);
    this.#announceChange();
    return { ...session };
  }

  close(manager: string, ip: string): boolean {
    const session = this.#byManager.get(manager)?.get(ip);
    if (session !== undefined) this.#forget(session);
    const stored = this.store.deleteSession(manager, ip);
    if (stored || session !== undefined) this.#announceChange();
    return stored || session !== undefined;
  }

  closeUser(user: string, manager?: string): number {
    let inMemory = 0;
    for (const [name, sessions] of this.#byManager) {
      if (manager !== undefined && name !== manager) continue;
      for (const s of sessions.values()) {
        if (s.user !== user) continue;
        this.#forget(s);
        inMemory += 1;
      }
    }
    const stored = this.store.deleteUserSessions(user, manager);
    const closed = Math.max(inMemory, stored);
    if (closed > 0) this.#announceChange();
    return closed;
  }

  /** Live sessions (expired ones are removed on the way), oldest first. */
  list(manager?: string): SessionRecord[] {
    const now = this.clock.now().getTime();
    this.#maybeReload(now);
    const out: SessionRecord[] = [];
    for (const [name, sessions] of this.#byManager) {
      if (manager !== undefined && name !== manager) continue;
      for (const s of [...sessions.values()]) {
        if (this.#expired(s, now)) this.#expire(s);
        else out.push({ ...s });
      }
    }
    return out.sort(
      (a, b) => a.openedAt - b.openedAt || a.manager.localeCompare(b.manager) || a.ip.localeCompare(b.ip),
    );
  }

  /** Writes lastSeen of touched sessions, then picks up sessions other processes opened or closed. */
  flush(): void {
    if (this.#dirty.size > 0) {
      const touches = [...this.#dirty].map((s) => ({ manager: s.manager, ip: s.ip, lastSeen: s.lastSeen }));
      this.store.touchSessions(touches);
      this.#dirty.clear();
    }
    this.#nextCheck = 0;
    this.#maybeReload(this.clock.now().getTime());
  }

  #live(manager: string, ip: string, now: number): LiveSession | undefined {
    const session = this.#byManager.get(manager)?.get(ip);
    if (session === undefined) return undefined;
    if (this.#expired(session, now)) {
      this.#expire(session);
      return undefined;
    }
    if (now > session.lastSeen) {
      session.lastSeen = now;
      this.#dirty.add(session);
    }
    return session;
  }

  #expired(s: LiveSession, now: number): boolean {
    const { idleTimeout, lifetime } = this.#limits.get(s.manager) ?? NO_LIMITS;
    return (
      (idleTimeout > 0 && now - s.lastSeen > idleTimeout) || (lifetime > 0 && now - s.openedAt > lifetime)
    );
  }

  #expire(s: LiveSession): void {
    this.#forget(s);
    this.store.deleteSession(s.manager, s.ip);
    this.#announceChange();
  }

  #forget(s: LiveSession): void {
    const sessions = this.#byManager.get(s.manager);
    if (sessions?.get(s.ip) === s) sessions.delete(s.ip);
    this.#dirty.delete(s);
  }

  #sessionsOf(manager: string): Map<string, LiveSession> {
    let sessions = this.#byManager.get(manager);
    if (sessions === undefined) {
      sessions = new Map();
      this.#byManager.set(manager, sessions);
    }
    return sessions;
  }

  /** The token is written after the change, so a reader that sees it also sees the change. */
  #announceChange(): void {
    const token = randomUUID();
    this.store.setMeta(SESSIONS_CHANGED_KEY, token);
    this.#seenToken = token;
  }

  #maybeReload(now: number): void {
    if (now < this.#nextCheck) return;
    this.#nextCheck = now + this.#changeCheckMs;
    const token = this.store.getMeta(SESSIONS_CHANGED_KEY);
    if (token === this.#seenToken) return;
    this.#seenToken = token;
    this.#load();
  }

  /** Replaces memory with the store, keeping the newer lastSeen of sessions that are still there. */
  #load(): void {
    const previous = this.#byManager;
    const fresh = new Map<string, Map<string, LiveSession>>();
    const dirty = new Set<LiveSession>();
    for (const record of this.store.listSessions()) {
      const known = previous.get(record.manager)?.get(record.ip);
      const same = known !== undefined && known.user === record.user && known.openedAt === record.openedAt;
      const session: LiveSession = same && known.lastSeen > record.lastSeen ? known : { ...record };
      if (session === known && this.#dirty.has(known)) dirty.add(known);
      let sessions = fresh.get(record.manager);
      if (sessions === undefined) {
        sessions = new Map();
        fresh.set(record.manager, sessions);
      }
      sessions.set(record.ip, session);
    }
    previous.clear();
    for (const [manager, sessions] of fresh) previous.set(manager, sessions);
    this.#dirty.clear();
    for (const s of dirty) this.#dirty.add(s);
  }
}
