import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { formatIssue } from '../../src/config/issues.js';
import { inspectConfig } from '../../src/config/load.js';
import { type TableReader, isTable } from '../../src/config/table-reader.js';
import { findKind } from '../../src/managers/registry.js';
import { upQuota, type UpQuotaConfig } from '../../src/managers/up-quota.js';
import { reader } from './identity-fixtures.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Parses one `[[upQuota]]` table the way the configuration loader does. */
function parse(toml: string): { config: UpQuotaConfig | undefined; issues: string[]; table: TableReader } {
  const list = parseToml(toml)['upQuota'];
  assert.ok(Array.isArray(list) && isTable(list[0]));
  const { table, issues } = reader(list[0], 'upQuota[0]');
  return { config: upQuota.parse(table), issues: issues.list.map(formatIssue), table };
}

const BOTH = `
[[upQuota]]
name = "room"
resetCycle = "720h"
resetAnchor = "2026-11-01T00:00:00Z"
domainQuota = { "Chat.Example.org" = "5 GB", "bücher.example." = "512 MB" }
userDBN = "users"
[upQuota.groupQuota]
staff = "2 GB"
students = "100 MB"
`;

const DOMAINS_ONLY = `
[[upQuota]]
name = "room"
resetCycle = "24h"
domainQuota = { "chat.example.org" = "5 GB" }
`;

const err = (key: string, problem: string) => `managers.toml: upQuota[0]${key}: ${problem}`;

describe('upQuota configuration', () => {
  it('is registered under its name', () => {
    assert.equal(findKind('upQuota'), upQuota);
  });

  it('reads domains (normalized) and groups of a user DB together, on the resetAnchor’s grid', () => {
    const { config, issues } = parse(BOTH);
    assert.deepEqual(issues, []);
    assert.ok(config !== undefined);
    assert.equal(config.name, 'room');
    assert.equal(config.resetCycleMs, 720 * 3_600_000);
    assert.equal(config.resetAnchor.toISOString(), '2026-11-01T00:00:00.000Z');
    assert.deepEqual(
      [...config.domainQuota],
      [
        ['chat.example.org', 5 * GiB],
        ['xn--bcher-kva.example', 512 * MiB],
      ],
    );
    assert.equal(config.userDBN, 'users');
    assert.deepEqual(
      [...config.groupQuota],
      [
        ['staff', 2 * GiB],
        ['students', 100 * MiB],
      ],
    );
  });

  it('takes domains alone, or a user DB and groups alone', () => {
    const domains = parse(DOMAINS_ONLY);
    assert.deepEqual(domains.issues, []);
    assert.equal(domains.config?.userDBN, undefined);
    assert.equal(domains.config?.groupQuota.size, 0);
    assert.equal(domains.config?.resetAnchor.toISOString(), '1970-01-05T00:00:00.000Z');
    const users = parse(
      '[[upQuota]]\nname = "room"\nresetCycle = "24h"\nuserDBN = "users"\ngroupQuota = { staff = "1 GB" }\n',
    );
    assert.deepEqual(users.issues, []);
    assert.equal(users.config?.domainQuota.size, 0);
    assert.deepEqual([...(users.config?.groupQuota ?? [])], [['staff', GiB]]);
  });

  it('needs something to count', () => {
    const { config, issues } = parse('[[upQuota]]\nname = "room"\nresetCycle = "24h"\n');
    assert.equal(config, undefined);
    assert.deepEqual(issues, [
      'managers.toml: upQuota[0]: counts nothing: give domainQuota (per XMPP domain) and/or userDBN with groupQuota (per user group)',
    ]);
    const empty = parse('[[upQuota]]\nname = "room"\nresetCycle = "24h"\ndomainQuota = {}\n');
    assert.deepEqual(empty.issues, [
      err('.domainQuota', 'lists no domain: give one ("chat.example.org" = "5 GB")'),
    ]);
  });

  it('refuses groupQuota without userDBN, and userDBN without groupQuota', () => {
    const groups = parse(DOMAINS_ONLY.replace('resetCycle', 'groupQuota = { staff = "1 GB" }\nresetCycle'));
    assert.equal(groups.config, undefined);
    assert.deepEqual(groups.issues, [
      err('.groupQuota', 'needs userDBN: the user DB whose users’ groups it counts'),
    ]);
    const db = parse(DOMAINS_ONLY.replace('resetCycle', 'userDBN = "users"\nresetCycle'));
    assert.equal(db.config, undefined);
    assert.deepEqual(db.issues, [
      err('.userDBN', 'needs groupQuota: without it no user of the DB has a quota'),
    ]);
  });

  it('names the right spelling of userDBN and groupQuota', () => {
    const { config, issues } = parse(
      DOMAINS_ONLY.replace('resetCycle', 'userDB = "users"\nGroupQuota = { staff = "1 GB" }\nresetCycle'),
    );
    assert.equal(config, undefined);
    assert.deepEqual(issues, [
      err('.userDB', 'unknown key (the key is spelled userDBN)'),
      err('.GroupQuota', 'unknown key (the key is spelled groupQuota)'),
    ]);
  });

  it('reports every bad domain and size with its key path', () => {
    const { config, issues } = parse(`
[[upQuota]]
name = ""
resetCycle = "0s"
colour = "blue"
resetAnchor = "midnight"
[upQuota.domainQuota]
"chat example.org" = "1 GB"
"*.example.org" = "1 GB"
"a.example" = "1 GB"
"A.Example." = "2 GB"
"b.example" = "5 Gb"
"c.example" = "lots"
d.example = "1 GB"
`);
    assert.equal(config, undefined);
    assert.deepEqual(issues, [
      err('.name', 'must not be empty'),
      err('.resetCycle', 'must be longer than zero, not "0s"'),
      err(
        '.domainQuota.chat example.org',
        '"chat example.org" is not a domain name (an XMPP domain such as "chat.example.org")',
      ),
      err(
        '.domainQuota.*.example.org',
        '"*.example.org" is a pattern; write the one XMPP domain, such as "chat.example.org"',
      ),
      err('.domainQuota.A.Example.', 'is "a.example" again, written differently'),
      err('.domainQuota.b.example', '"5 Gb": "Gb" reads as bits; write "GB" for bytes'),
      err('.domainQuota.c.example', '"lots" is not a size (an integer and a unit: "512 B", "10 MB", "1 GB")'),
      err('.domainQuota.d', 'must be a size, not a table (a key with dots must be quoted: "a.b" = "1 GB")'),
      err(
        '.resetAnchor',
        '"midnight" is not a date and time (RFC 3339: "2024-01-01T00:00:00Z", "2024-01-01T00:00:00-04:00", or local "2024-01-01")',
      ),
      err('.colour', 'unknown key'),
    ]);
  });

  it('requires name and resetCycle', () => {
    const { config, issues } = parse('[[upQuota]]\ndomainQuota = { "chat.example.org" = "1 GB" }\n');
    assert.equal(config, undefined);
    assert.deepEqual(issues, [err('.name', 'is required'), err('.resetCycle', 'is required')]);
  });

  it('names the key when userDBN names no user database', () => {
    const { config, table } = parse(BOTH.replace('userDBN = "users"', 'userDBN = "ldap"'));
    assert.ok(config !== undefined);
    upQuota.check?.(config, { userDBs: new Set(['users']), managers: new Map() }, table);
    assert.deepEqual(table.issues.list.map(formatIssue), [
      err('.userDBN', 'names no user database "ldap" (there is "users")'),
    ]);
    const domains = parse(DOMAINS_ONLY);
    assert.ok(domains.config !== undefined);
    upQuota.check?.(domains.config, { userDBs: new Set(), managers: new Map() }, domains.table);
    assert.deepEqual(domains.table.issues.list, [], 'no user DB needed when only domains are counted');
  });

  it('loads in managers.toml behind the signature check of [policy] upload', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmproxy-upquota-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'server.toml'), '[files]\nsecret = "the secret of [files], long enough"\n');
    writeFileSync(
      join(dir, 'managers.toml'),
      'rule = "true"\n[policy]\nupload = "prosody ∧ room"\n' +
        '[[hmacUpload]]\nname = "prosody"\ndomain = "chat.example.org"\n' +
        '[[upQuota]]\nname = "room"\nresetCycle = "24h"\ndomainQuota = { "chat.example.org" = "1 GB" }\n',
    );
    const report = inspectConfig(dir);
    assert.deepEqual(report.errors.map(formatIssue), []);
    assert.equal(report.config?.rules.get('upload'), 'prosody ∧ room');
    assert.deepEqual(
      report.config?.managers.map((m) => m.kind.kind),
      ['hmacUpload', 'upQuota'],
    );
  });
});
