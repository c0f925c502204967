import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, type ConfigIssue } from '../config/issues.js';
import type { TableReader } from '../config/table-reader.js';
import type { Manager, ManagerKind, RequestContext, Services, Verdict } from './types.js';
import { DomainSet, normalizeDomain, parseDomainList } from './domain-set.js';

/**
 * `[[hostMatcher]]`: the requested host (without the port, so CONNECT works alike) matches
 * `pattern`, an unanchored regular expression as in pmproxy, or lies under one of the `domains`
 * or the domains listed in `domainsFile` (relative to the configuration directory).
 */
export interface HostMatcherConfig {
  readonly name: string;
  /** As written; a leading Go-style "(?i)" becomes the i flag. */
  readonly pattern?: string;
  /** Normalized (lowercase, ASCII, no trailing dot). */
  readonly domains?: readonly string[];
  /** As written. */
  readonly domainsFile?: string;
}

export const hostMatcher: ManagerKind<HostMatcherConfig> = {
  kind: 'hostMatcher',

  parse(table: TableReader): HostMatcherConfig | undefined {
    const errorsBefore = table.issues.list.length;
    const name = table.string('name', { required: true, nonEmpty: true });
    const pattern = table.string('pattern', { nonEmpty: true });
    if (pattern !== undefined) {
      const compiled = compilePattern(pattern);
      if (!(compiled instanceof RegExp))
        table.issues.add(
          table.keyPath('pattern'),
          `${JSON.stringify(pattern)} is not a regular expression: ${compiled.error}`,
        );
    }
    const entries = table.stringList('domains');
    const domains: string[] = [];
    entries?.forEach((entry, i) => {
      const domain = normalizeDomain(entry);
      if (domain === undefined)
        table.issues.add(
          `${table.keyPath('domains')}[${i}]`,
          `${JSON.stringify(entry)} is not a domain name`,
        );
      else domains.push(domain);
    });
    const domainsFile = table.string('domainsFile', { nonEmpty: true });
    if (!table.has('pattern') && !table.has('domains') && !table.has('domainsFile')) {
      table.issues.add(
        table.path,
        'needs pattern (a regular expression), domains (a list) or domainsFile (a file of domains)',
      );
    }
    table.done();
    if (name === undefined || table.issues.list.length > errorsBefore) return undefined;
    return {
      name,
      ...(pattern === undefined ? {} : { pattern }),
      ...(entries === undefined ? {} : { domains }),
      ...(domainsFile === undefined ? {} : { domainsFile }),
    };
  },

  create(config: HostMatcherConfig, services: Services): Manager {
    const fromFile =
      config.domainsFile === undefined
        ? []
        : readDomainsFile(config, resolve(services.configDir, config.domainsFile));
    return new HostMatcher(config, new DomainSet([...(config.domains ?? []), ...fromFile]));
  },
};

/** A regexp from pmproxy's Go syntax as far as JavaScript shares it; "(?i)" in front is honoured. */
export function compilePattern(pattern: string): RegExp | { error: string } {
  const caseless = pattern.startsWith('(?i)');
  try {
    return new RegExp(caseless ? pattern.slice(4) : pattern, caseless ? 'i' : '');
  } catch (err) {
    return {
      error: (err instanceof Error ? err.message : String(err)).replace(/^Invalid regular expression: /u, ''),
    };
  }
}

/** Read when the manager is made (parse stays free of I/O); every bad line is reported at once. */
function readDomainsFile(config: HostMatcherConfig, path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(err);
    throw new ConfigError([
      {
        file: path,
        path: '',
        message: `cannot be read (${why}); it is domainsFile of hostMatcher "${config.name}"`,
      },
    ]);
  }
  const { domains, errors } = parseDomainList(text);
  if (errors.length > 0) {
    throw new ConfigError(
      errors.map((e): ConfigIssue => ({ file: path, path: '', message: e.message, line: e.line })),
    );
  }
  return domains;
}

class HostMatcher implements Manager {
  readonly kind = 'hostMatcher';
  readonly name: string;
  readonly #pattern: RegExp | undefined;

  constructor(
    readonly config: HostMatcherConfig,
    readonly domains: DomainSet,
  ) {
    this.name = config.name;
    const compiled = config.pattern === undefined ? undefined : compilePattern(config.pattern);
    if (compiled !== undefined && !(compiled instanceof RegExp))
      throw new Error(`hostMatcher ${config.name}: bad pattern: ${compiled.error}`);
    this.#pattern = compiled;
  }

  test(ctx: RequestContext): Verdict {
    if (ctx.target === undefined) return { match: undefined, reason: 'needs a URL' };
    const host = ctx.target.host.endsWith('.') ? ctx.target.host.slice(0, -1) : ctx.target.host;
    if (this.#pattern?.test(host) === true)
      return { match: true, reason: `${host} matches ${String(this.#pattern)}` };
    const domain = this.domains.covering(host);
    if (domain !== undefined)
      return { match: true, reason: domain === host ? `${host} is listed` : `${host} is under ${domain}` };
    return { match: false, reason: `${host} is not matched` };
  }

  settings(): Record<string, unknown> {
    return {
      name: this.name,
      ...(this.config.pattern === undefined ? {} : { pattern: this.config.pattern }),
      ...(this.config.domains === undefined ? {} : { domains: [...this.config.domains] }),
      ...(this.config.domainsFile === undefined
        ? {}
        : { domainsFile: this.config.domainsFile, domainCount: this.domains.size }),
    };
  }
}
