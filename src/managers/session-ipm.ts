import type { Capability, SessionCapability } from './capabilities.js';
import type { TableReader } from '../config/table-reader.js';
import { formatDuration, parseDuration } from '../util/duration.js';
import type { KnownNames, Manager, ManagerKind, Meter, RequestContext, Services, Verdict } from './types.js';
import { checkUserDBName } from './user-db-check.js';

/** `[[sessionIPM]]`: a client address bound to a user by a login, with idle and absolute limits. */
export interface SessionIPMConfig {
  readonly name: string;
  /** The user DB logins are checked against. */
  readonly auth: string;
  /** ms without a request after which the session ends; 0 = never. */
  readonly idleTimeout: number;
  /** ms after login at which the session ends whatever happens; 0 = never. */
  readonly lifetime: number;
}

const DEFAULT_IDLE_TIMEOUT = '30m';
const DEFAULT_LIFETIME = '12h';

export const sessionIPM: ManagerKind<SessionIPMConfig> = {
  kind: 'sessionIPM',

  parse(table: TableReader): SessionIPMConfig | undefined {
    const name = table.string('name', { required: true, nonEmpty: true });
    const auth = table.string('auth', { required: true, nonEmpty: true });
    const idleTimeout = table.has('idleTimeout')
      ? table.duration('idleTimeout')
      : defaultMs(DEFAULT_IDLE_TIMEOUT);
    const lifetime = table.has('lifetime') ? table.duration('lifetime') : defaultMs(DEFAULT_LIFETIME);
    table.done();
    if (name === undefined || auth === undefined || idleTimeout === undefined || lifetime === undefined)
      return undefined;
    return { name, auth, idleTimeout, lifetime };
  },

  check(config: SessionIPMConfig, known: KnownNames, table: TableReader): void {
    checkUserDBName(config.auth, 'auth', known, table);
  },

  create(config: SessionIPMConfig, services: Services): Manager {
    return new SessionIPM(config, services);
  },
};

export class SessionIPM implements Manager, SessionCapability {
  readonly kind = 'sessionIPM';
  readonly capabilities: readonly Capability[] = ['sessions'];

  get auth(): string {
    return this.config.auth;
  }
  get idleTimeout(): number {
    return this.config.idleTimeout;
  }
  get lifetime(): number {
    return this.config.lifetime;
  }
  readonly name: string;

  constructor(
    readonly config: SessionIPMConfig,
    readonly services: Services,
  ) {
    this.name = config.name;
  }

  /** The registry applies this manager's timeouts from now on (see Manager.commit). */
  commit(): void {
    this.services.sessions.configure(this.name, this.config.auth, {
      idleTimeout: this.config.idleTimeout,
      lifetime: this.config.lifetime,
    });
  }

  /**
   * A request that carries Proxy-Authorization is whoever those credentials say (a proxyAuth of the
   * rule checks them), never the user whose session its address holds: behind a shared address, or
   * from a script with someone else's credentials, the session must not lend its user.
   */
  test(ctx: RequestContext): Verdict {
    if (ctx.proxyAuthorization !== undefined) {
      return { match: false, reason: 'the request carries proxy credentials, which decide who it is' };
    }
    const session = this.services.sessions.lookup(this.name, ctx.clientIp);
    if (session === undefined) return { match: false, reason: `no session for ${ctx.clientIp}` };
    ctx.users.set(this.config.auth, session.user);
    return {
      match: true,
      reason: `${session.user} logged in at ${ctx.clientIp}`,
      effect: { kind: 'lease', lease: this.#lease(ctx.clientIp, session.user) },
    };
  }

  /**
   * Ties the flows this session let through to the session: once it ends (logout, an admin closing
   * it, a timeout), their next chunk is refused and they are cut, as the Go original cut them. Bytes
   * flowing keep the session from going idle.
   */
  #lease(ip: string, user: string): Meter {
    const sessions = this.services.sessions;
    const manager = this.name;
    return {
      manager,
      user,
      charge: (bytes) => (sessions.lookup(manager, ip)?.user === user ? bytes : 0),
      describe: () => `the session of ${user} at ${ip} has ended; log in again`,
    };
  }

  settings(): Record<string, unknown> {
    return {
      name: this.name,
      auth: this.config.auth,
      idleTimeout: formatDuration(this.config.idleTimeout),
      lifetime: formatDuration(this.config.lifetime),
    };
  }
}

function defaultMs(text: string): number {
  const ms = parseDuration(text);
  if (typeof ms !== 'number') throw new Error(`bad built-in duration ${text}`);
  return ms;
}
