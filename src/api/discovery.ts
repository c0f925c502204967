import type { Target } from '../managers/types.js';
import { PROXY_RULE } from '../config/managers-config.js';
import { parseConnectTarget } from '../proxy/request-target.js';
import type { Decision } from '../rules/decision.js';
import { ruleContext } from '../managers/rule-context.js';
import type { ApiDeps } from './deps.js';
import { badRequest } from './errors.js';

export interface DiscoveredManager {
  readonly name: string;
  readonly type: string;
  readonly match: boolean | null;
  readonly reason?: string;
  /** What people read instead of name and type, when configured. */
  readonly description?: string;
  /** A quota that said no because it is used up, and when it is whole again. */
  readonly quotaExhausted?: boolean;
  readonly resetsAt?: string;
}

export interface Discovery {
  readonly result: string;
  readonly allow: boolean;
  readonly managers: readonly DiscoveredManager[];
}

/**
 * What the proxy would ask for `text`: an absolute http(s) URL (https as the CONNECT a browser
 * would send) or CONNECT's `host:port`. The host is canonicalised as the proxy does it.
 */
export function discoveryTarget(text: string): Target {
  if (/^https?:\/\//iu.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw badRequest(`"${text}" is not a valid URL`);
    }
    const https = url.protocol === 'https:';
    const port = url.port === '' ? (https ? 443 : 80) : Number(url.port);
    const host = url.hostname.replace(/^\[(.*)\]$/u, '$1').replace(/\.+$/u, '');
    if (host === '') throw badRequest(`"${text}" has no host`);
    return https ? { host, port, method: 'CONNECT' } : { host, port, url, method: 'GET' };
  }
  const parsed = parseConnectTarget(text);
  if (!parsed.ok) throw badRequest(`url must be http://…, https://… or host:port (${parsed.reason})`);
  return { ...parsed.value, method: 'CONNECT' };
}

/** The proxy rule evaluated for the caller's address (and target), as discovery shows it. */
export async function discover(deps: ApiDeps, ip: string, target?: Target): Promise<Discovery> {
  const ctx = ruleContext('discover', ip, deps.services.clock.now(), target);
  const decision: Decision = await deps.policy().decide(PROXY_RULE, ctx);
  return {
    result: decision.result,
    allow: decision.allow,
    managers: decision.trace.map((t) => ({
      name: t.name,
      type: t.kind,
      match: t.match ?? null,
      ...(t.reason === undefined ? {} : { reason: t.reason }),
      ...(t.description === undefined ? {} : { description: t.description }),
      ...(t.quotaExhausted === true ? { quotaExhausted: true } : {}),
      ...(t.resetsAt === undefined ? {} : { resetsAt: t.resetsAt.toISOString() }),
    })),
  };
}
