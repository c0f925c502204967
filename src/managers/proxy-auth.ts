import type { TableReader } from '../config/table-reader.js';
import { CredentialCache, credentialCacheFor, type CredentialCheck } from '../auth/credential-cache.js';
import type { KnownNames, Manager, ManagerKind, RequestContext, Services, Verdict } from './types.js';
import { checkUserDBName } from './user-db-check.js';

/** `[[proxyAuth]]`: `Proxy-Authorization: Basic` checked against a user DB; 407 when missing or wrong. */
export interface ProxyAuthConfig {
  readonly name: string;
  /** The user DB the credentials are checked against. */
  readonly auth: string;
  /** Shown by the browser's login prompt (Proxy-Authenticate: Basic realm="…"). */
  readonly realm: string;
}

const DEFAULT_REALM = 'pmproxy';
/** A realm goes into a quoted header parameter: printable ASCII without quote or backslash. */
const REALM = /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,100}$/u;

export const proxyAuth: ManagerKind<ProxyAuthConfig> = {
  kind: 'proxyAuth',

  parse(table: TableReader): ProxyAuthConfig | undefined {
    const name = table.string('name', { required: true, nonEmpty: true });
    const auth = table.string('auth', { required: true, nonEmpty: true });
    let realm = table.string('realm') ?? DEFAULT_REALM;
    if (!REALM.test(realm)) {
      table.issues.add(
        table.keyPath('realm'),
        `must be 1 to 100 printable ASCII characters without " or \\, not ${JSON.stringify(realm)}`,
      );
      realm = DEFAULT_REALM;
    }
    table.done();
    if (name === undefined || auth === undefined) return undefined;
    return { name, auth, realm };
  },

  check(config: ProxyAuthConfig, known: KnownNames, table: TableReader): void {
    checkUserDBName(config.auth, 'auth', known, table);
  },

  create(config: ProxyAuthConfig, services: Services): Manager {
    const db = services.users.get(config.auth);
    if (db === undefined)
      throw new Error(`proxyAuth "${config.name}": no user database named "${config.auth}"`);
    return new ProxyAuth(config, services, credentialCacheFor(db, services));
  },
};

class ProxyAuth implements Manager {
  readonly kind = 'proxyAuth';
  readonly name: string;

  constructor(
    readonly config: ProxyAuthConfig,
    readonly services: Services,
    readonly credentials: CredentialCache,
  ) {
    this.name = config.name;
  }

  /** Synchronous for a missing, malformed or recently verified header; a Promise while argon2 runs. */
  test(ctx: RequestContext): Verdict | Promise<Verdict> {
    const checked = this.credentials.check(ctx.proxyAuthorization, ctx.clientIp, this.services.clock);
    return checked instanceof Promise
      ? checked.then((c) => this.#verdict(ctx, c))
      : this.#verdict(ctx, checked);
  }

  #verdict(ctx: RequestContext, check: CredentialCheck): Verdict {
    if (check.ok) {
      ctx.users.set(this.config.auth, check.user);
      return { match: true, reason: `${check.user} by proxy credentials` };
    }
    const reason =
      check.problem === 'missing' ? 'no proxy credentials' : (check.message ?? 'wrong proxy credentials');
    return { match: false, reason, challenge: this.config.realm };
  }

  settings(): Record<string, unknown> {
    return { name: this.name, auth: this.config.auth, realm: this.config.realm };
  }
}
