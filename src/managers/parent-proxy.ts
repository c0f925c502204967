import type { TableReader } from '../config/table-reader.js';
import type { Manager, ManagerKind, Verdict } from './types.js';

/**
 * `[[parentProxy]]`: upstream traffic goes through another proxy, http (CONNECT with Basic
 * credentials) or socks5. Always true; takes effect only when evaluation reaches it.
 */
export interface ParentProxyConfig {
  readonly name: string;
  readonly proxyURL: URL;
}

/** scheme://[user:pass@]host:port, with nothing after the port but an optional "/". */
const PROXY_URL = /^(http|socks5):\/\/(?:[^@/?#\s]*@)?(?:\[[0-9A-Fa-f:.]+\]|[^:/?#@\s[\]]+):(\d{1,5})\/?$/u;

export const parentProxy: ManagerKind<ParentProxyConfig> = {
  kind: 'parentProxy',

  parse(table: TableReader): ParentProxyConfig | undefined {
    const name = table.string('name', { required: true, nonEmpty: true });
    const text = table.string('proxyURL', { required: true, nonEmpty: true });
    table.done();
    if (text === undefined) return undefined;
    const proxyURL = parseProxyURL(text);
    if (typeof proxyURL === 'string') {
      table.issues.add(table.keyPath('proxyURL'), proxyURL);
      return undefined;
    }
    return name === undefined ? undefined : { name, proxyURL };
  },

  create(config: ParentProxyConfig): Manager {
    return new ParentProxy(config);
  },
};

/** The URL, or what is wrong with it. */
export function parseProxyURL(text: string): URL | string {
  const shown = redact(text);
  const expected = `must be http://[user:pass@]host:port or socks5://[user:pass@]host:port, not ${JSON.stringify(shown)}`;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/u.exec(text)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'socks5') {
    return `scheme "${scheme}" is not supported: ${expected}`;
  }
  const m = PROXY_URL.exec(text.trim());
  if (m === null) return expected;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return `port ${port} is out of range (1 to 65535)`;
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return expected;
  }
  if (url.hostname === '') return expected;
  return url;
}

/** The URL without its password, for messages and `show`. */
function redact(text: string): string {
  return text.replace(/^([^:]+:\/\/[^:@/]*:)[^@/]*@/u, '$1***@');
}

class ParentProxy implements Manager {
  readonly kind = 'parentProxy';
  readonly name: string;

  constructor(readonly config: ParentProxyConfig) {
    this.name = config.name;
  }

  test(): Verdict {
    return {
      match: true,
      reason: `through ${this.config.proxyURL.protocol}//${this.config.proxyURL.host}`,
      effect: { kind: 'route', route: { manager: this.name, parentProxy: this.config.proxyURL } },
    };
  }

  settings(): Record<string, unknown> {
    return { name: this.name, proxyURL: redact(this.config.proxyURL.href) };
  }
}
