import type { Capability } from './capabilities.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { TableReader } from '../config/table-reader.js';
import type { Store } from '../store/types.js';
import type { UserDirectory } from '../users/types.js';
import type { SessionRegistry } from '../sessions/types.js';
import type { ConsumptionLedger } from '../metering/types.js';
import type { BandwidthPool } from '../metering/types.js';
import type { Reservation, ReservationRefused } from '../metering/reservation.js';

/** What is being asked for. Absent on a RequestContext when unknown (discovery without a URL). */
export interface Target {
  /** Host without port, lowercased; IPv6 without brackets. */
  readonly host: string;
  readonly port: number;
  /** Absolute URL for HTTP requests; undefined for CONNECT. */
  readonly url?: URL;
  readonly method: string;
}

export type Surface = 'proxy' | 'discover' | 'api' | 'admin' | 'upload' | 'download' | 'metrics';

/** One request as the policy sees it. Built once per request by the surface. */
export interface RequestContext {
  readonly surface: Surface;
  /** Normalized: IPv4-mapped IPv6 unwrapped, no zone. */
  readonly clientIp: string;
  readonly at: Date;
  readonly target?: Target;
  /** Raw Proxy-Authorization header value, when the client sent one. */
  readonly proxyAuthorization?: string;
  /**
   * Users established during this evaluation, by user DB name: a reached sessionIPM or proxyAuth
   * records who it recognised, so later managers (groupIPM, dwnConsR) charge the same person.
   */
  readonly users: Map<string, string>;
  /** Set by the file server on a PUT: what an upload signature must bind (hmacUpload reads it). */
  readonly upload?: UploadRequest;
}

/** An upload as the signature protocols see it. */
export interface UploadRequest {
  /** Percent-decoded, public prefix stripped, no leading slash: `uuid/très cool.jpg`. */
  readonly path: string;
  /** The request's Content-Length. */
  readonly size: number;
  /** The Content-Type header as Node gives it; undefined when the request had none. */
  readonly contentType?: string;
  /** The PUT URL's query string, which carries the signature (`?v=`, `?v2=`, `?token=`). */
  readonly query: URLSearchParams;
  /**
   * Who vouched for this upload, filled during evaluation like `users`: each reached hmacUpload
   * whose signature verified adds its name → the XMPP domain it signs for, so a later upQuota
   * charges that domain. The surface gives it empty.
   */
  readonly signedBy: Map<string, string>;
}

/** The effect of a metering or routing manager that evaluation reached. */
export type Effect =
  | { readonly kind: 'meter'; readonly meter: Meter }
  | { readonly kind: 'pace'; readonly pacer: Pacer }
  | { readonly kind: 'route'; readonly route: Route }
  /** Lets bytes through only while something lasts (a session): charge() gives 0 once it ended. */
  | { readonly kind: 'lease'; readonly lease: Meter };

/** Charges bytes delivered to the client against a quota. */
export interface Meter {
  readonly manager: string;
  readonly user: string;
  /**
   * Records `bytes` about to be delivered and returns how many of them fit in the quota.
   * Less than `bytes` means the quota is now exhausted: deliver that many, then cut the flow.
   */
  charge(bytes: number): number;
  /**
   * Holds `bytes` of the quota for a delivery whose size is known beforehand (an upload), checking
   * used + reserved + bytes ≤ quota and reserving in one step; see reserveAll. Quotas in the
   * ledger offer it; a meter without it is charged when the reservation is committed.
   */
  reserve?(bytes: number): Reservation | ReservationRefused;
  /** "consumption of quota", in pmproxy's size format, for deny pages. */
  describe(): string;
}

/** Paces a flow to a bandwidth shared by all of a user's connections. */
export interface Pacer {
  readonly manager: string;
  readonly user: string;
  /** Takes `bytes` from the shared budget; returns how long (ms) to wait before reading more. */
  take(bytes: number): number;
}

/** Where the outgoing connection goes out from. First reached wins. */
export interface Route {
  readonly manager: string;
  readonly localAddress?: string;
  readonly parentProxy?: URL;
}

export interface Verdict {
  /** undefined: cannot be known for this context (a host test when discovery gave no URL). */
  readonly match: boolean | undefined;
  /** Why, in a few words, shown on deny pages and in discovery ("no session for 127.0.0.1"). */
  readonly reason?: string;
  readonly effect?: Effect;
  /** Set by proxyAuth when credentials are missing or wrong: the proxy answers 407 with this realm. */
  readonly challenge?: string;
  /** Set by quota managers when they said no because the quota is used up. */
  readonly quotaExhausted?: boolean;
  /** With quotaExhausted: when the quota is whole again. */
  readonly resetsAt?: Date;
}

export interface Manager {
  /** The identifier used in rules. */
  readonly name: string;
  /** pmproxy's type name: "sessionIPM", "dwnConsR", … */
  readonly kind: string;
  /** What people read instead of name and kind (`description` in its table), when configured. */
  description?: string;
  /** What it offers beyond test() (a quota, sessions), with the interface each promises. */
  readonly capabilities?: readonly Capability[];
  test(ctx: RequestContext): Verdict | Promise<Verdict>;
  /** Settings as an admin would want to see them (`show`); never secrets. */
  settings(): Record<string, unknown>;
  /**
   * Takes the manager's place in the shared services (the ledger's reset cycle, the session
   * registry's limits), called once its whole generation is built and accepted. Creating a manager
   * touches nothing shared, so a configuration refused half way leaves the running one as it was.
   */
  commit?(): void;
  /** Releases timers and handles; must tolerate being called on a half-started manager. */
  close?(): void | Promise<void>;
}

/** The shared services a manager is built with. */
export interface Services {
  readonly clock: Clock;
  readonly log: Logger;
  readonly store: Store;
  readonly users: UserDirectory;
  readonly sessions: SessionRegistry;
  readonly consumption: ConsumptionLedger;
  readonly bandwidth: BandwidthPool;
  /** The configuration directory; relative paths in manager tables resolve against it. */
  readonly configDir: string;
  /** `[files] secret` of server.toml: the secret of hmacUpload managers that name none. */
  readonly filesSecret?: string;
}

/**
 * A manager kind: `parse` is pure (validates its TOML table through the reader, reporting every
 * problem, so `pmproxy check-config` can run it without side effects); `create` builds the manager.
 */
export interface ManagerKind<C> {
  /** The TOML array-of-tables name: `[[rangeIPM]]`. */
  readonly kind: string;
  parse(table: TableReader): C | undefined;
  /** Cross-checks against the rest of the configuration (names of user DBs …). */
  check?(config: C, known: KnownNames, table: TableReader): void;
  create(config: C, services: Services): Manager;
}

export interface KnownNames {
  readonly userDBs: ReadonlySet<string>;
  readonly managers: ReadonlyMap<string, string>; // name → kind
}
