import type { TableReader } from '../config/table-reader.js';
import {
  UPLOAD_PROTOCOLS,
  queryValues,
  verifyUploadSignature,
  type UploadProtocol,
} from '../files/signature.js';
import type { Manager, ManagerKind, RequestContext, Services, Verdict } from './types.js';
import { parseXmppDomain } from './xmpp-domain.js';

/**
 * `[[hmacUpload]]`: the XMPP external-upload signature check as a manager, so the upload rule can
 * read `signed ∧ ¬banned ∧ room`. It says yes only to a PUT whose URL carries a valid signature.
 */
export interface HmacUploadConfig {
  readonly name: string;
  /** undefined: `[files] secret` of server.toml. */
  readonly secret?: string;
  /** Strongest first. */
  readonly protocols: readonly UploadProtocol[];
  /**
   * The XMPP domain whose server holds this secret (normalized), which an upQuota may charge for
   * the uploads this manager verifies. undefined: the manager's name, when that is a domain name.
   */
  readonly domain?: string;
}

/** Secrets shorter than this can be found offline from one signed URL. */
const SHORT_SECRET = 16;

export const hmacUpload: ManagerKind<HmacUploadConfig> = {
  kind: 'hmacUpload',

  parse(table: TableReader): HmacUploadConfig | undefined {
    const name = table.string('name', { required: true, nonEmpty: true });
    const secret = table.string('secret', { nonEmpty: true });
    if (secret !== undefined && secret.length < SHORT_SECRET) {
      table.issues.warn(
        table.keyPath('secret'),
        `is shorter than ${SHORT_SECRET} characters: anyone holding one signed upload URL can try to guess it offline`,
      );
    }
    const protocols = readProtocols(table);
    const domain = readDomain(table);
    table.done();
    if (name === undefined || protocols === undefined || domain === null) return undefined;
    return {
      name,
      ...(secret === undefined ? {} : { secret }),
      protocols,
      ...(domain === undefined ? {} : { domain }),
    };
  },

  create(config: HmacUploadConfig, services: Services): Manager {
    return new HmacUpload(config, config.secret ?? services.filesSecret);
  },
};

/** The `domain` key, normalized; undefined when absent, null when wrong (already reported). */
function readDomain(table: TableReader): string | undefined | null {
  const text = table.string('domain', { nonEmpty: true });
  if (text === undefined) return table.has('domain') ? null : undefined;
  const domain = parseXmppDomain(text);
  if (typeof domain === 'string') return domain;
  table.issues.add(table.keyPath('domain'), domain.error);
  return null;
}

function readProtocols(table: TableReader): UploadProtocol[] | undefined {
  const list = table.stringList('protocols', { allowSingle: true });
  if (list === undefined) return table.has('protocols') ? undefined : [...UPLOAD_PROTOCOLS];
  const known = (p: string): p is UploadProtocol => (UPLOAD_PROTOCOLS as readonly string[]).includes(p);
  let ok = true;
  list.forEach((p, i) => {
    if (known(p)) return;
    ok = false;
    table.issues.add(
      `${table.keyPath('protocols')}[${i}]`,
      `must be one of ${UPLOAD_PROTOCOLS.map((q) => JSON.stringify(q)).join(', ')}, not ${JSON.stringify(p)}` +
        (p === 'v1' ? ' (Prosody\'s "v1" is "v" here)' : ''),
    );
  });
  if (ok && list.length === 0) {
    table.issues.add(table.keyPath('protocols'), 'must name at least one protocol');
    return undefined;
  }
  // Kept in strength order whatever order the admin wrote, so the strongest present is checked.
  return ok ? UPLOAD_PROTOCOLS.filter((p) => list.includes(p)) : undefined;
}

export class HmacUpload implements Manager {
  readonly kind = 'hmacUpload';
  readonly name: string;
  /** What a verified upload records in `signedBy`; a name that is no domain is kept as written. */
  readonly domain: string;

  constructor(
    readonly config: HmacUploadConfig,
    /** undefined when neither this table nor `[files]` gives one: every upload is refused. */
    readonly secret: string | undefined,
  ) {
    this.name = config.name;
    const fromName = parseXmppDomain(config.name);
    this.domain = config.domain ?? (typeof fromName === 'string' ? fromName : config.name);
  }

  test(ctx: RequestContext): Verdict {
    const upload = ctx.upload;
    if (upload === undefined) {
      // Discovery asks about a surface, not a request: whether a future upload is signed is unknown.
      if (ctx.surface === 'discover') return { match: undefined, reason: 'only an upload can be signed' };
      return { match: false, reason: 'not a signed upload' };
    }
    if (this.secret === undefined) {
      return { match: false, reason: 'no secret: set one here or in [files] of server.toml' };
    }
    const result = verifyUploadSignature(
      queryValues(upload.query),
      upload,
      this.secret,
      this.config.protocols,
    );
    if (!result.ok) return { match: false, reason: result.reason };
    // Recorded only once verified: an upQuota after this manager charges whom the secret vouches for.
    upload.signedBy.set(this.name, this.domain);
    return { match: true, reason: `signed with ${result.protocol} for ${this.domain}` };
  }

  settings(): Record<string, unknown> {
    return {
      name: this.name,
      secret:
        this.secret === undefined
          ? 'none: every upload is refused'
          : this.config.secret !== undefined
            ? 'its own'
            : 'from [files] of server.toml',
      protocols: [...this.config.protocols],
      domain: this.domain,
    };
  }
}
