import { domainToASCII } from 'node:url';

const LABELS = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/u;

/**
 * A domain as a list entry means it: lowercased, internationalized names in their ASCII (punycode)
 * form as URLs carry them, without the trailing dot. A leading "." or "*." is allowed and changes
 * nothing (a domain always covers its subdomains). Undefined when the text is not a domain name.
 */
export function normalizeDomain(text: string): string | undefined {
  const bare = text
    .trim()
    .replace(/^\*?\./u, '')
    .replace(/\.$/u, '');
  if (bare === '') return undefined;
  const ascii = domainToASCII(bare);
  return LABELS.test(ascii) ? ascii : undefined;
}

/** Domains that match themselves and every name under them: example.org covers a.b.example.org. */
export class DomainSet {
  readonly #domains = new Set<string>();

  constructor(domains: Iterable<string>) {
    for (const d of domains) this.#domains.add(d);
  }

  get size(): number {
    return this.#domains.size;
  }

  /** The listed domain that covers `host`, if any; one Set lookup per label of the host. */
  covering(host: string): string | undefined {
    let name = host.endsWith('.') ? host.slice(0, -1) : host;
    for (;;) {
      if (this.#domains.has(name)) return name;
      const dot = name.indexOf('.');
      if (dot === -1) return undefined;
      name = name.slice(dot + 1);
    }
  }
}

/**
 * The domains of a list file: one per line, `#` starts a comment, blank lines are skipped.
 * Returns the domains and, for each bad line, its number and what is wrong.
 */
export function parseDomainList(text: string): {
  domains: string[];
  errors: { line: number; message: string }[];
} {
  const domains: string[] = [];
  const errors: { line: number; message: string }[] = [];
  text.split(/\r?\n/u).forEach((raw, i) => {
    const entry = raw.replace(/#.*$/u, '').trim();
    if (entry === '') return;
    const domain = normalizeDomain(entry);
    if (domain === undefined)
      errors.push({ line: i + 1, message: `${JSON.stringify(entry)} is not a domain name` });
    else domains.push(domain);
  });
  return { domains, errors };
}
