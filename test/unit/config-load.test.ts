import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectConfig, loadConfig } from '../../src/config/load.js';
import { ConfigError, formatIssue, type ConfigIssue } from '../../src/config/issues.js';
import { DEFAULT_POLICY } from '../../src/config/managers-config.js';
import { DEFAULT_WEB_DIR } from '../../src/config/server-config.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'config');
const temp = mkdtempSync(join(tmpdir(), 'pmproxy-config-'));
after(() => rmSync(temp, { recursive: true, force: true }));

let count = 0;
/** A config directory in a temporary folder; server.toml is left out when undefined. */
function configDir(managers: string | undefined, server?: string): string {
  const dir = join(temp, `c${count++}`);
  mkdirSync(dir);
  if (managers !== undefined) writeFileSync(join(dir, 'managers.toml'), managers);
  if (server !== undefined) writeFileSync(join(dir, 'server.toml'), server);
  return dir;
}

/** The errors loadConfig throws, formatted one per line. */
function errorsOf(dir: string): string[] {
  try {
    loadConfig(dir);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map(formatIssue);
    throw err;
  }
  assert.fail('expected a ConfigError');
}

function one(lines: string[], pattern: RegExp): string {
  const found = lines.filter((l) => pattern.test(l));
  assert.equal(found.length, 1, `expected one line matching ${pattern} in:\n${lines.join('\n')}`);
  return found[0] as string;
}

const CAMPUS = `rule = "campus"
[[rangeIPM]]
name = "campus"
cidr = "127.0.0.0/8"
`;

describe("pmproxy's README configuration", () => {
  it('loads unchanged, with warnings for fastOrStd, the plaintext password and the missing folder', () => {
    const dir = join(fixtures, 'pmproxy-seed');
    const config = loadConfig(dir);
    assert.equal(config.dir, dir);
    assert.equal(config.rules.get('proxy'), 'sessions ∧ down');
    assert.deepEqual(
      config.managers.map((m) => [m.kind.kind, m.name]),
      [
        ['sessionIPM', 'sessions'],
        ['dwnConsR', 'down'],
      ],
    );
    assert.deepEqual(
      config.userDBs.map((db) => [db.kind, db.name]),
      [['mapDB', 'map']],
    );
    const mapDB = config.userDBs[0];
    assert.ok(mapDB?.kind === 'mapDB');
    assert.deepEqual(mapDB.config.userGroups.get('user0'), ['group0']);

    const { api, proxy, store } = config.server;
    assert.deepEqual(api.addr, { host: '', port: 4443 });
    assert.deepEqual(proxy.addr, { host: '', port: 8080 });
    assert.equal(api.persistInterval, 5 * 60_000);
    assert.equal(api.readTimeout, 30_000);
    assert.equal(proxy.writeTimeout, 20_000);
    assert.equal(proxy.dialTimeout, 10_000);
    assert.deepEqual(api.excludedRoutes, ['/about']);
    assert.equal(api.httpsCert, join(dir, 'cert.pem'));
    assert.equal(api.webStaticFilesDir, DEFAULT_WEB_DIR);
    assert.equal(store.path, join(dir, 'data', 'pmproxy.db'));

    const warnings = config.warnings.map(formatIssue);
    one(warnings, /^server\.toml:11: api\.server\.fastOrStd: /u);
    one(warnings, /^server\.toml:19: proxy\.server\.fastOrStd: /u);
    one(warnings, /^server\.toml:5: api\.webStaticFilesDir: folder "staticFiles"/u);
    one(warnings, /^managers\.toml:17: mapDB\.userPass\.user0: is a plaintext password/u);
    assert.equal(warnings.length, 4, warnings.join('\n'));
  });

  it("accepts pmproxy's code spellings: rules and userGroups", () => {
    const config = loadConfig(
      configDir(`rules = "sessions"
[[sessionIPM]]
name = "sessions"
auth = "map"
[mapDB]
name = "map"
[mapDB.userGroups]
u = ["g"]
`),
    );
    assert.equal(config.rules.get('proxy'), 'sessions');
    const db = config.userDBs[0];
    assert.ok(db?.kind === 'mapDB');
    assert.deepEqual(db.config.userGroups.get('u'), ['g']);
  });
});

describe('top-level settings and routing managers', () => {
  it('reads admins, jwtExpiration, netIface and parentProxy; syslogAddr is ignored with a warning', () => {
    const config = loadConfig(
      configDir(`rule = "campus ∧ (out ∨ up)"
admins = ["alice"]
jwtExpiration = "8h"
syslogAddr = "localhost:514"
[[rangeIPM]]
name = "campus"
cidr = "127.0.0.0/8"
[[netIface]]
name = "out"
addr = "127.0.0.1"
[[parentProxy]]
name = "up"
proxyURL = "socks5://127.0.0.1:1080"
`),
    );
    assert.deepEqual(config.admins, ['alice']);
    assert.equal(config.jwtExpiration, 8 * 3_600_000);
    assert.deepEqual(
      config.managers.map((m) => [m.kind.kind, m.name]),
      [
        ['rangeIPM', 'campus'],
        ['netIface', 'out'],
        ['parentProxy', 'up'],
      ],
    );
    assert.deepEqual(config.warnings.map(formatIssue), [
      'managers.toml:4: syslogAddr: is ignored: pmproxy logs to stderr (journald under systemd)',
    ]);
  });
});

describe('defaults', () => {
  it('runs on loopback with documented defaults when server.toml is missing', () => {
    const dir = configDir(CAMPUS);
    const config = loadConfig(dir);
    assert.deepEqual(config.warnings, []);
    const { api, proxy, store } = config.server;
    assert.deepEqual(proxy.addr, { host: '127.0.0.1', port: 8080 });
    assert.deepEqual(api.addr, { host: '127.0.0.1', port: 4443 });
    assert.deepEqual(proxy.connectPorts, [443]);
    assert.equal(proxy.dialTimeout, 10_000);
    assert.equal(proxy.idleTimeout, 5 * 60_000);
    assert.equal(proxy.maxHeaderSize, 16 * 1024);
    assert.equal(api.persistInterval, 60_000);
    assert.equal(store.consumptionInterval, 1000);
    assert.equal(api.httpsKey, join(dir, 'key.pem'));
    assert.equal(api.webStaticFilesDir, DEFAULT_WEB_DIR);
    assert.equal(store.path, join(dir, 'data', 'pmproxy.db'));
    assert.equal(config.server.gracefulTimeout, 10_000);
    assert.deepEqual(config.server.log, { access: 'json', level: 'info' });
    assert.deepEqual(config.server.metrics, {});
  });

  it('reads gracefulTimeout, [log] and [metrics.server], and names what is wrong with them', () => {
    const dir = configDir(
      CAMPUS,
      'gracefulTimeout = "45s"\n[log]\naccess = "squid"\naccessFile = "logs/a.log"\n[metrics.server]\naddr = ":9464"\n',
    );
    const { server } = loadConfig(dir);
    assert.equal(server.gracefulTimeout, 45_000);
    assert.deepEqual(server.log, { access: 'squid', level: 'info', accessFile: join(dir, 'logs', 'a.log') });
    assert.deepEqual(server.metrics, { server: { addr: { host: '', port: 9464 } } });
    const lines = errorsOf(
      configDir(
        CAMPUS,
        'gracefulTimeout = "soon"\n[log]\naccess = "apache"\nlevel = "debug"\n[metrics.server]\n',
      ),
    );
    one(lines, /^server\.toml:1: gracefulTimeout: /u);
    one(lines, /^server\.toml:3: log\.access: must be one of "json", "squid", "combined", not "apache"/u);
    one(lines, /^server\.toml:4: log\.level: must be one of "info", "warn", "error", not "debug"/u);
    one(lines, /^server\.toml:5: metrics\.server\.addr: is required/u);
  });

  it('gives every surface a rule: [policy] entries, or the documented defaults', () => {
    const defaults = loadConfig(configDir(CAMPUS));
    assert.deepEqual(Object.fromEntries(defaults.rules), { proxy: 'campus', ...DEFAULT_POLICY });
    const configured = loadConfig(configDir(`${CAMPUS}[policy]\nadmin = "campus"\nmetrics = "¬campus"\n`));
    assert.equal(configured.rules.get('admin'), 'campus');
    assert.equal(configured.rules.get('metrics'), '¬campus');
    assert.equal(configured.rules.get('upload'), DEFAULT_POLICY.upload);
  });

  it('reads every server.toml setting, resolving paths against the config folder', () => {
    const dir = configDir(
      CAMPUS,
      `[proxy]
dialTimeout = "3s"
connectPorts = [443, 8443]
idleTimeout = "0"
maxHeaderSize = "32 KB"
[proxy.server]
addr = "[::1]:3128"
readTimeout = "5s"
[api]
httpsCert = "tls/cert.pem"
webStaticFilesDir = "."
persistInterval = "10s"
[api.server]
addr = "localhost:0"
[store]
path = "../elsewhere/db.sqlite"
consumptionInterval = "250ms"
`,
    );
    const { api, proxy, store } = loadConfig(dir).server;
    assert.deepEqual(proxy.addr, { host: '::1', port: 3128 });
    assert.deepEqual(proxy.connectPorts, [443, 8443]);
    assert.equal(proxy.dialTimeout, 3000);
    assert.equal(proxy.idleTimeout, 0);
    assert.equal(proxy.maxHeaderSize, 32 * 1024);
    assert.equal(proxy.readTimeout, 5000);
    assert.deepEqual(api.addr, { host: 'localhost', port: 0 });
    assert.equal(api.httpsCert, join(dir, 'tls', 'cert.pem'));
    assert.equal(api.webStaticFilesDir, dir);
    assert.equal(api.persistInterval, 10_000);
    assert.equal(store.path, join(dir, '..', 'elsewhere', 'db.sqlite'));
    assert.equal(store.consumptionInterval, 250);
  });
});

describe('configuration errors', () => {
  it('reports unknown keys at the top, inside a manager and inside [api], with lines', () => {
    const lines = errorsOf(
      configDir(
        `rule = "campus"
colour = "blue"
[[rangeIPM]]
name = "campus"
cidr = "127.0.0.0/8"
shade = 3
`,
        '[api]\npersistInterval = "1m"\nhttpsCrt = "x.pem"\n',
      ),
    );
    one(lines, /^managers\.toml:2: colour: unknown key/u);
    one(lines, /^managers\.toml:6: rangeIPM\[0\]\.shade: unknown key/u);
    one(lines, /^server\.toml:3: api\.httpsCrt: unknown key/u);
    assert.equal(lines.length, 3, lines.join('\n'));
  });

  it('suggests the kind a misspelt top-level key was meant to be', () => {
    const lines = errorsOf(configDir(`${CAMPUS}[[rangeIpm]]\nname = "x"\n`));
    one(lines, /^managers\.toml:5: rangeIpm: unknown key \(did you mean rangeIPM\?\)/u);
  });

  it('reports a bad CIDR, a bad regexp, a bad duration and a bad size, each with its key and line', () => {
    const lines = errorsOf(
      configDir(`rule = "campus ∧ local ∧ sessions ∧ down"
[[rangeIPM]]
name = "campus"
cidr = "10.0.0.0/33"
[[hostMatcher]]
name = "local"
pattern = "(unclosed"
[sqlDB]
name = "db"
[[sessionIPM]]
name = "sessions"
auth = "db"
idleTimeout = "10 minutes"
[[dwnConsR]]
name = "down"
userDBN = "db"
resetCycle = "24h"
[dwnConsR.groupQuota]
group0 = "1.5 GB"
`),
    );
    assert.match(
      one(lines, /rangeIPM\[0\]\.cidr/u),
      /^managers\.toml:4: rangeIPM\[0\]\.cidr(\[0\])?: .*10\.0\.0\.0\/33/u,
    );
    assert.match(one(lines, /hostMatcher\[0\]\.pattern/u), /^managers\.toml:7: /u);
    assert.match(
      one(lines, /sessionIPM\[0\]\.idleTimeout/u),
      /^managers\.toml:13: .*"10 minutes" is not a duration/u,
    );
    assert.match(
      one(lines, /dwnConsR\[0\]\.groupQuota\.group0/u),
      /^managers\.toml:19: .*"1\.5 GB" is not a size/u,
    );
    assert.equal(lines.length, 4, lines.join('\n'));
  });

  it('reports duplicate names, naming both places, across managers and user databases', () => {
    const lines = errorsOf(
      configDir(`rule = "campus"
[mapDB]
name = "campus"
[[rangeIPM]]
name = "campus"
cidr = "127.0.0.0/8"
[[hostMatcher]]
name = "campus"
pattern = "x"
`),
    );
    one(lines, /^managers\.toml:5: rangeIPM\[0\]\.name: "campus" is also the name of mapDB \(line 3\)/u);
    one(lines, /^managers\.toml:8: hostMatcher\[0\]\.name: "campus" is also the name of mapDB \(line 3\)/u);
  });

  it('reports a rule naming no manager, and one naming a user database', () => {
    const lines = errorsOf(
      configDir(`rule = "campus ∧ campsu ∨ map"
[mapDB]
name = "map"
[[rangeIPM]]
name = "campus"
cidr = "127.0.0.0/8"
`),
    );
    const unknown = one(
      lines,
      /^managers\.toml:1: rule: no manager named "campsu" \(did you mean "campus"\?\)/u,
    );
    assert.ok(unknown.endsWith('\n  campus ∧ campsu ∨ map\n           ^'), unknown);
    one(lines, /^managers\.toml:1: rule: "map" is a user database, not a manager/u);
  });

  it('reports a missing rule: pmproxy allowed everyone without one', () => {
    const lines = errorsOf(configDir('[[rangeIPM]]\nname = "campus"\ncidr = "127.0.0.0/8"\n'));
    one(lines, /^managers\.toml: rule: is required/u);
  });

  it('refuses both spellings of the rule at once', () => {
    const lines = errorsOf(configDir(`rules = "campus"\n${CAMPUS}`));
    one(lines, /^managers\.toml:1: rules: give the rule once/u);
  });

  it('shows a rule syntax error with the caret under the column', () => {
    const lines = errorsOf(configDir(`${CAMPUS}[policy]\nadmin = "campus ∧ ∧ campus"\n`));
    const line = one(lines, /^managers\.toml:6: policy\.admin: /u);
    assert.match(line, /\(column 10\)\n {2}campus ∧ ∧ campus\n {11}\^$/u);
  });

  it('places a TOML syntax error at its line and column', () => {
    const lines = errorsOf(
      configDir(`${CAMPUS}[[rangeIPM]]\nname = = "x"\n`, '[proxy]\ndialTimeout = "1s"\n'),
    );
    assert.deepEqual(lines, ['managers.toml:6: TOML syntax error at line 6, column 8: invalid value']);
  });

  it('reports a missing managers.toml, but not a missing server.toml', () => {
    const dir = configDir(undefined);
    assert.deepEqual(errorsOf(dir), [`managers.toml: not found in ${dir}`]);
  });

  it('refuses a persist interval of zero (the Go original busy-looped)', () => {
    const lines = errorsOf(configDir(CAMPUS, '[api]\npersistInterval = "0s"\n'));
    one(lines, /^server\.toml:2: api\.persistInterval: must be longer than zero/u);
    const store = errorsOf(configDir(CAMPUS, '[store]\nconsumptionInterval = "0s"\n'));
    one(store, /^server\.toml:2: store\.consumptionInterval: must be longer than zero/u);
  });

  it('refuses bad listen addresses and connect ports', () => {
    const lines = errorsOf(
      configDir(
        CAMPUS,
        '[proxy]\nconnectPorts = [443, 0, "80"]\nmaxHeaderSize = "12 Kb"\n[proxy.server]\naddr = "8080"\n[api.server]\naddr = "[nope]:1"\n',
      ),
    );
    one(lines, /^server\.toml:2: proxy\.connectPorts\[1\]: must be a port number from 1 to 65535, not 0/u);
    one(lines, /^server\.toml:2: proxy\.connectPorts\[2\]: .*"80"/u);
    one(lines, /^server\.toml:3: proxy\.maxHeaderSize: "12 Kb": "Kb" reads as bits/u);
    one(lines, /^server\.toml:5: proxy\.server\.addr: is not a listen address/u);
    one(lines, /^server\.toml:7: api\.server\.addr: "nope" is not an IPv6 address/u);
  });

  it('reads [proxy] allowInternal, none by default, and refuses a bad CIDR naming the file and key', () => {
    const ok = loadConfig(configDir(CAMPUS, '[proxy]\nallowInternal = ["127.0.0.0/8", "::1/128"]\n'));
    assert.deepEqual(ok.server.proxy.allowInternal, ['127.0.0.0/8', '::1/128']);
    assert.deepEqual(loadConfig(configDir(CAMPUS, '')).server.proxy.allowInternal, []);
    const lines = errorsOf(
      configDir(CAMPUS, '[proxy]\nallowInternal = ["127.0.0.0/8", "127.0.0.1/33", "localhost"]\n'),
    );
    one(lines, /^server\.toml:2: proxy\.allowInternal\[1\]: "127\.0\.0\.1\/33" is not a CIDR range/u);
    one(lines, /^server\.toml:2: proxy\.allowInternal\[2\]: "localhost" is not a CIDR range/u);
  });

  it('reads [proxy.server] connection caps, 256 per address by default, and refuses bad ones', () => {
    const defaults = loadConfig(configDir(CAMPUS, '')).server.proxy;
    assert.equal(defaults.maxConnectionsPerAddress, 256);
    assert.equal(defaults.maxConnections, undefined);
    const ok = loadConfig(
      configDir(CAMPUS, '[proxy.server]\nmaxConnections = 100\nmaxConnectionsPerAddress = 10\n'),
    );
    assert.equal(ok.server.proxy.maxConnections, 100);
    assert.equal(ok.server.proxy.maxConnectionsPerAddress, 10);
    const lines = errorsOf(
      configDir(CAMPUS, '[proxy.server]\nmaxConnections = 10\nmaxConnectionsPerAddress = 20\n'),
    );
    one(
      lines,
      /^server\.toml(:\d+)?: proxy\.server\.maxConnectionsPerAddress: must not be larger than maxConnections \(10\)/u,
    );
    one(
      errorsOf(configDir(CAMPUS, '[proxy.server]\nmaxConnections = 0\n')),
      /proxy\.server\.maxConnections: /u,
    );
  });

  it('refuses adDB, a manager written as a single table, and an unknown [policy] key', () => {
    const lines = errorsOf(
      configDir(`${CAMPUS}[adDB]\nname = "ad"\n[timeSpan]\nname = "day"\n[policy]\nshell = "true"\n`),
    );
    one(lines, /^managers\.toml:5: adDB: adDB \(LDAP\) is not supported yet/u);
    one(lines, /^managers\.toml:7: timeSpan: must be an array of tables: write \[\[timeSpan\]\]/u);
    one(lines, /^managers\.toml:10: policy\.shell: unknown key/u);
  });

  it('lists every error of both files at once, server.toml first, each file in line order', () => {
    const dir = join(fixtures, 'many-errors');
    const report = inspectConfig(dir);
    assert.equal(report.config, undefined);
    const files = report.errors.map((e: ConfigIssue) => e.file);
    assert.deepEqual(
      files,
      [...files].sort((a, b) => (a === b ? 0 : a === 'server.toml' ? -1 : 1)),
    );
    const lines = report.errors.map(formatIssue);
    one(lines, /^server\.toml:\d+: proxy\.dialTimeout: /u);
    one(lines, /^server\.toml:\d+: api\.colour: unknown key/u);
    one(lines, /^managers\.toml:\d+: sessionIPM\[0\]\.auth: names no user database "nowhere"/u);
    // A duplicate name does not hide the other mistakes of that table.
    one(lines, /^managers\.toml:\d+: dwnConsR\[0\]\.userDBN: names no user database "nowhere"/u);
    one(lines, /^managers\.toml:\d+: rangeIPM\[0\]\.cidr/u);
    one(lines, /^managers\.toml:\d+: rule: no manager named "dwn"/u);
    one(lines, /^managers\.toml:\d+: dwnConsR\[0\]\.name: "campus" is also the name of rangeIPM/u);
    const managerLines = report.errors
      .filter((e) => e.file === 'managers.toml')
      .map((e) => e.line ?? Infinity);
    assert.deepEqual(
      managerLines,
      [...managerLines].sort((a, b) => a - b),
    );
  });
});
