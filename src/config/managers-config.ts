import type { Issues } from './issues.js';
import { TableReader, describe, isTable, type TomlTable, type TomlValue } from './table-reader.js';
import type { KnownNames, ManagerKind } from '../managers/types.js';
import { findKind, managerKinds } from '../managers/registry.js';
import { mapDBKind, type MapDBConfig } from '../users/map-db.js';
import { sqlDBKind, type SqlDBConfig } from '../users/sql-db.js';
import { checkRuleText } from './rule-check.js';
import { closest } from './closest.js';

/**
 * The rule of each surface other than the proxy, when `[policy]` does not give one. A pmproxy
 * configuration has no `[policy]`, so these keep it working as it did:
 * - api: anyone may reach the API (logging in needs it; each route checks the caller itself).
 * - admin: "true" here, and the code also requires the caller to be listed in `admins`.
 * - upload: the signature check alone: every `[[hmacUpload]]` (any of them, when several);
 *   closed when there is none, since storing files is a new surface with a cost.
 * - download: anyone holding a file's link may fetch it (links are unguessable).
 * - backup: closed; backups contain password hashes and consumption.
 * - metrics: loopback only (Prometheus on the gateway's host); the code applies it, as the rule
 *   language has no word for "this host". Metrics carry no user, host or address, but the traffic
 *   per group is still the operator's to see.
 */
export const DEFAULT_POLICY = {
  api: 'true',
  admin: 'true',
  upload: 'false',
  download: 'true',
  backup: 'false',
  metrics: 'false',
} as const satisfies Record<string, string>;

export type PolicyRuleName = keyof typeof DEFAULT_POLICY;

/** The rule of the forward proxy, from `rule` (pmproxy's README) or `rules` (pmproxy's code). */
export const PROXY_RULE = 'proxy';

export type UserDBEntry =
  | { readonly kind: 'mapDB'; readonly name: string; readonly config: MapDBConfig }
  | { readonly kind: 'sqlDB'; readonly name: string; readonly config: SqlDBConfig };

export interface ManagerEntry {
  readonly kind: ManagerKind<unknown>;
  readonly name: string;
  readonly config: unknown;
  /** `description`: what people read instead of the name ("Daily download quota"). */
  readonly description?: string;
}

export interface ManagersConfig {
  /** Rule name → text: "proxy", then every key of DEFAULT_POLICY (configured or default). */
  readonly rules: ReadonlyMap<string, string>;
  /** The `[policy]` rules managers.toml gives; the others have their default. */
  readonly policyGiven: ReadonlySet<string>;
  readonly admins: string[];
  /** ms a login token stays valid; undefined: the API's default. */
  readonly jwtExpiration?: number;
  readonly userDBs: UserDBEntry[];
  readonly managers: ManagerEntry[];
}

/** The line of a key path in managers.toml, when it can be found (for messages naming another place). */
export type LineOf = (path: string) => number | undefined;

/** Identifiers in rules: a letter, then letters, digits or underscores (pmproxy's, plus `_`). */
const IDENTIFIER = /^\p{L}[\p{L}\p{N}_]*$/u;
const RESERVED = new Set(['true', 'false', 'and', 'or', 'not']);

/** Validates managers.toml; every problem goes to `issues`. */
export function parseManagersConfig(
  values: TomlTable,
  issues: Issues,
  lineOf: LineOf = () => undefined,
): ManagersConfig {
  const top = new TableReader(values, '', issues);
  const proxyRule = readProxyRule(top);
  const admins = top.stringList('admins') ?? [];
  const jwtExpiration = top.duration('jwtExpiration', { positive: true });
  top.ignore('syslogAddr', 'is ignored: pmproxy logs to stderr (journald under systemd)');
  const policy = readPolicy(top);
  const backupRule = policy.get('backup')?.path;
  if (backupRule !== undefined) {
    top.issues.warn(`policy.backup`, 'guards nothing yet: pmproxy has no backups to reach (see the README)');
  }
  if (top.raw('adDB') !== undefined)
    top.issues.add('adDB', 'adDB (LDAP) is not supported yet; use [mapDB] or [sqlDB]');

  const names = new Map<string, { path: string }>();
  const claim = (name: string, path: string): boolean => {
    const before = names.get(name);
    if (before !== undefined) {
      const line = lineOf(`${before.path}.name`);
      const where = line === undefined ? before.path : `${before.path} (line ${line})`;
      issues.add(
        `${path}.name`,
        `"${name}" is also the name of ${where}; names of managers and user databases must be unique`,
      );
      return false;
    }
    names.set(name, { path });
    return true;
  };

  const userDBs: UserDBEntry[] = [];
  const knownDBs = new Set<string>();
  for (const reader of tablesOf(top, 'mapDB', true)) {
    const name = reader.string('name', { required: true, nonEmpty: true });
    const config = mapDBKind.parse(reader);
    reader.done();
    if (name === undefined || !claim(name, reader.path)) continue;
    knownDBs.add(name);
    if (config !== undefined) userDBs.push({ kind: 'mapDB', name, config });
  }
  for (const reader of tablesOf(top, 'sqlDB', true)) {
    const name = reader.string('name', { required: true, nonEmpty: true });
    const config = sqlDBKind.parse(reader);
    reader.done();
    if (name === undefined || !claim(name, reader.path)) continue;
    knownDBs.add(name);
    if (config !== undefined) userDBs.push({ kind: 'sqlDB', name, config });
  }

  const parsed: { entry: ManagerEntry; reader: TableReader; unique: boolean }[] = [];
  const knownManagers = new Map<string, string>();
  for (const key of Object.keys(values)) {
    if (HANDLED.has(key)) continue;
    const kind = findKind(key);
    if (kind === undefined) {
      top.raw(key);
      issues.add(key, unknownTopKey(key));
      continue;
    }
    for (const reader of tablesOf(top, key, false)) {
      const name = readManagerName(reader);
      const description = readDescription(reader);
      const config = kind.parse(reader);
      const unique = name !== undefined && claim(name, reader.path);
      // Known even when its table has errors, so rules naming it get no second, misleading error.
      if (unique) knownManagers.set(name, kind.kind);
      if (config !== undefined) {
        const entry = {
          kind,
          name: name ?? '',
          config,
          ...(description === undefined ? {} : { description }),
        };
        parsed.push({ entry, reader, unique });
      }
    }
  }

  const known: KnownNames = {
    userDBs: knownDBs,
    managers: knownManagers,
  };
  for (const { entry, reader } of parsed) {
    entry.kind.check?.(entry.config, known, reader);
    reader.done();
  }
  top.done();

  const rules = new Map<string, string>();
  if (proxyRule !== undefined) {
    rules.set(PROXY_RULE, proxyRule.text);
    checkRuleText(PROXY_RULE, proxyRule.text, proxyRule.path, known, issues);
  }
  for (const [name, rule] of policy) {
    if (name === 'upload' && rule.path === undefined) {
      const signers = [...knownManagers].filter(([, kind]) => kind === 'hmacUpload').map(([n]) => n);
      if (signers.length > 0) {
        rules.set(name, signers.join(' ∨ '));
        continue;
      }
    }
    rules.set(name, rule.text);
    if (rule.path !== undefined) checkRuleText(name, rule.text, rule.path, known, issues);
  }

  const managers = parsed.filter(({ unique }) => unique).map(({ entry }) => entry);
  const policyGiven = new Set(
    [...policy].filter(([, rule]) => rule.path !== undefined).map(([name]) => name),
  );
  const config = { rules, policyGiven, admins, userDBs, managers };
  return jwtExpiration === undefined ? config : { ...config, jwtExpiration };
}

/** Top-level keys that are not manager kinds. */
const HANDLED = new Set([
  'rule',
  'rules',
  'admins',
  'jwtExpiration',
  'syslogAddr',
  'policy',
  'adDB',
  'mapDB',
  'sqlDB',
]);

function readProxyRule(top: TableReader): { text: string; path: string } | undefined {
  if (top.has('rule') && top.has('rules')) {
    top.raw('rule');
    top.raw('rules');
    top.issues.add(
      'rules',
      'give the rule once: "rule" (pmproxy\'s README spelling) or "rules" (its code), not both',
    );
    return undefined;
  }
  const key = top.has('rules') ? 'rules' : 'rule';
  const text = top.string(key);
  if (text === undefined) {
    if (!top.has(key)) {
      top.issues.add(
        'rule',
        'is required: the rule that decides every proxied request, such as rule = "sessions ∧ down" ' +
          '(pmproxy allowed everyone without one; here a missing rule is an error)',
      );
    }
    return undefined;
  }
  return { text, path: key };
}

function readPolicy(top: TableReader): Map<string, { text: string; path?: string }> {
  const policy = new Map<string, { text: string; path?: string }>();
  const table = top.table('policy');
  for (const [name, fallback] of Object.entries(DEFAULT_POLICY)) {
    const text = table?.string(name, { nonEmpty: true });
    policy.set(name, text === undefined ? { text: fallback } : { text, path: table?.keyPath(name) ?? name });
  }
  if (table !== undefined) {
    for (const key of Object.keys(table.values)) {
      if (!(key in DEFAULT_POLICY)) {
        table.raw(key);
        table.issues.add(
          table.keyPath(key),
          `unknown key; [policy] has ${Object.keys(DEFAULT_POLICY).join(', ')}`,
        );
      }
    }
  }
  return policy;
}

/**
 * The readers of a section: a manager kind is an array of tables (`[[rangeIPM]]`); a user DB is one
 * table (`[mapDB]`) or, for several, an array of tables.
 */
function tablesOf(top: TableReader, key: string, singleAllowed: boolean): TableReader[] {
  const v: TomlValue | undefined = top.raw(key);
  if (v === undefined) return [];
  if (isTable(v)) {
    if (singleAllowed) return [new TableReader(v, key, top.issues)];
    top.issues.add(key, `must be an array of tables: write [[${key}]], not [${key}]`);
    return [];
  }
  if (Array.isArray(v) && v.every(isTable)) {
    return v.map((table, i) => new TableReader(table, `${key}[${i}]`, top.issues));
  }
  const want = singleAllowed
    ? `a table ([${key}]) or an array of tables ([[${key}]])`
    : `an array of tables ([[${key}]])`;
  top.issues.add(key, `must be ${want}, not ${describe(v)}`);
  return [];
}

function readManagerName(reader: TableReader): string | undefined {
  const name = reader.string('name', { required: true, nonEmpty: true });
  if (name === undefined) return undefined;
  if (!IDENTIFIER.test(name) || RESERVED.has(name)) {
    reader.issues.add(
      reader.keyPath('name'),
      RESERVED.has(name)
        ? `"${name}" is a word of the rule language; choose another name`
        : `"${name}" cannot be used in a rule: a name is a letter followed by letters, digits or "_"`,
    );
    return undefined;
  }
  return name;
}

/** `description`, a key of every manager table: one line of plain text. */
function readDescription(reader: TableReader): string | undefined {
  const description = reader.string('description', { nonEmpty: true });
  if (description === undefined) return undefined;
  if (description.length > 120 || /\p{Cc}/u.test(description)) {
    reader.issues.add(reader.keyPath('description'), 'must be one line of at most 120 characters');
    return undefined;
  }
  return description;
}

function unknownTopKey(key: string): string {
  const candidates = [...HANDLED, ...managerKinds.map((k) => k.kind)];
  const near = closest(key, candidates);
  if (near !== undefined) return `unknown key (did you mean ${near}?)`;
  return `unknown key; managers are ${managerKinds.map((k) => `[[${k.kind}]]`).join(', ')}`;
}
