import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, Issues, formatIssue } from '../../src/config/issues.js';
import { TableReader, type TomlTable } from '../../src/config/table-reader.js';
import { hostMatcher, type HostMatcherConfig } from '../../src/managers/host-matcher.js';
import type { Manager, RequestContext, Services, Target, Verdict } from '../../src/managers/types.js';

const configDir = mkdtempSync(join(tmpdir(), 'pmproxy-hosts-'));
after(() => rmSync(configDir, { recursive: true, force: true }));
// hostMatcher needs only the configuration directory, for domainsFile.
const services = { configDir } as Services;

function parse(table: TomlTable): { config: HostMatcherConfig | undefined; errors: string[] } {
  const issues = new Issues('managers.toml');
  const config = hostMatcher.parse(new TableReader(table, 'hostMatcher[0]', issues));
  return { config, errors: issues.list.map(formatIssue) };
}

function make(table: TomlTable): Manager {
  const { config, errors } = parse({ name: 'sites', ...table });
  assert.deepEqual(errors, []);
  assert.ok(config !== undefined);
  return hostMatcher.create(config, services);
}

const http = (host: string, port = 80): Target => ({
  host,
  port,
  url: new URL(`http://${host}:${port}/`),
  method: 'GET',
});
const connect = (host: string, port = 443): Target => ({ host, port, method: 'CONNECT' });

function ask(manager: Manager, target?: Target): Verdict {
  const base = {
    surface: 'proxy' as const,
    clientIp: '10.0.0.1',
    at: new Date(0),
    users: new Map<string, string>(),
  };
  const ctx: RequestContext = target === undefined ? { ...base, surface: 'discover' } : { ...base, target };
  const verdict = manager.test(ctx);
  assert.ok(!(verdict instanceof Promise));
  return verdict;
}

describe('hostMatcher: pattern', () => {
  it('tests an unanchored regexp against the host, the same for HTTP and CONNECT', () => {
    const google = make({ pattern: 'google' });
    assert.deepEqual(ask(google, http('www.google.com')), {
      match: true,
      reason: 'www.google.com matches /google/',
    });
    assert.equal(ask(google, connect('www.google.com')).match, true);
    assert.deepEqual(ask(google, http('www.facebook.com')), {
      match: false,
      reason: 'www.facebook.com is not matched',
    });
  });

  it('never sees the port, so \\.cu$ matches CONNECT host:443 (a bug of the original)', () => {
    const cu = make({ pattern: '\\.cu$' });
    assert.equal(ask(cu, connect('www.upr.edu.cu', 443)).match, true);
    assert.equal(ask(cu, http('www.upr.edu.cu', 8080)).match, true);
    assert.equal(ask(cu, http('cu.example.com')).match, false);
  });

  it('honours a leading (?i) as Go does', () => {
    assert.equal(ask(make({ pattern: '(?i)GOOGLE' }), http('google.com')).match, true);
    assert.equal(ask(make({ pattern: 'GOOGLE' }), http('google.com')).match, false);
  });

  it('cannot know without a target, and says so instead of crashing (a bug of the original)', () => {
    assert.deepEqual(ask(make({ pattern: 'google' })), { match: undefined, reason: 'needs a URL' });
  });
});

describe('hostMatcher: domains', () => {
  it('matches a domain and everything under it, case-insensitively, trailing dots ignored', () => {
    const sites = make({ domains: ['Example.ORG.', 'Bücher.de', '*.intranet', '.lan'] });
    assert.deepEqual(ask(sites, http('example.org')), { match: true, reason: 'example.org is listed' });
    assert.deepEqual(ask(sites, connect('a.b.example.org')), {
      match: true,
      reason: 'a.b.example.org is under example.org',
    });
    assert.equal(ask(sites, http('example.org.')).match, true);
    assert.equal(ask(sites, http('notexample.org')).match, false);
    assert.equal(ask(sites, http('example.org.evil.com')).match, false);
    assert.equal(ask(sites, http('xn--bcher-kva.de')).match, true);
    assert.equal(ask(sites, http('wiki.intranet')).match, true);
    assert.equal(ask(sites, http('intranet')).match, true);
    assert.equal(ask(sites, http('printer.lan')).match, true);
  });

  it('reads a list file relative to the configuration directory, with comments', () => {
    writeFileSync(
      join(configDir, 'free.txt'),
      '# free sites\nuclv.cu\n\n  upr.edu.cu   # the university\r\nexample.net.\n',
    );
    const free = make({ domainsFile: 'free.txt', pattern: '^localhost$' });
    assert.equal(ask(free, connect('www.upr.edu.cu')).reason, 'www.upr.edu.cu is under upr.edu.cu');
    assert.equal(ask(free, http('example.net')).match, true);
    assert.equal(ask(free, http('localhost')).match, true);
    assert.equal(ask(free, http('cu')).match, false);
    assert.deepEqual(free.settings(), {
      name: 'sites',
      pattern: '^localhost$',
      domainsFile: 'free.txt',
      domainCount: 3,
    });
  });

  it('refuses a list file that is missing or has bad lines, naming the file and every line', () => {
    const missing = parse({ name: 'sites', domainsFile: 'nowhere.txt' }).config;
    assert.ok(missing !== undefined);
    assert.throws(
      () => hostMatcher.create(missing, services),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.message ===
          `${join(configDir, 'nowhere.txt')}: cannot be read (no such file); it is domainsFile of hostMatcher "sites"`,
    );
    writeFileSync(join(configDir, 'bad.txt'), 'ok.org\nhttp://x.org/\nfine.org\nwith space.org\n');
    const bad = parse({ name: 'sites', domainsFile: 'bad.txt' }).config;
    assert.ok(bad !== undefined);
    assert.throws(
      () => hostMatcher.create(bad, services),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(err.issues.map(formatIssue), [
          `${join(configDir, 'bad.txt')}:2: "http://x.org/" is not a domain name`,
          `${join(configDir, 'bad.txt')}:4: "with space.org" is not a domain name`,
        ]);
        return true;
      },
    );
  });
});

describe('hostMatcher: configuration errors', () => {
  it('names the key of a bad regexp and of each bad domain', () => {
    assert.deepEqual(
      parse({ name: 'x', pattern: '(unclosed', domains: ['ok.org', 'not a domain', ''] }).errors,
      [
        'managers.toml: hostMatcher[0].pattern: "(unclosed" is not a regular expression: /(unclosed/: Unterminated group',
        'managers.toml: hostMatcher[0].domains[1]: "not a domain" is not a domain name',
        'managers.toml: hostMatcher[0].domains[2]: "" is not a domain name',
      ],
    );
  });

  it('wants at least one of pattern, domains and domainsFile, and no unknown keys', () => {
    assert.deepEqual(parse({ name: 'x' }).errors, [
      'managers.toml: hostMatcher[0]: needs pattern (a regular expression), domains (a list) or domainsFile (a file of domains)',
    ]);
    assert.deepEqual(parse({ name: 'x', pattern: 'a', regex: 'b' }).errors, [
      'managers.toml: hostMatcher[0].regex: unknown key',
    ]);
  });
});
