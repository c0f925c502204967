import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { ConfigError, Issues, type ConfigIssue } from './issues.js';
import { checkFilesAcrossFiles } from './files-cross-check.js';
import { locateKey } from './locate.js';
import { warnUnusedUserDBs } from './mentions.js';
import { parseManagersConfig, type ManagersConfig } from './managers-config.js';
import { parseServerConfig } from './server-config.js';
import type { TomlTable } from './table-reader.js';
import type { ServerConfig } from './types.js';

/** A configuration directory, validated: what the gateway, the admin commands and check-config use. */
export interface LoadedConfig extends ManagersConfig {
  /** Absolute path of the configuration directory. */
  readonly dir: string;
  readonly server: ServerConfig;
  readonly warnings: readonly ConfigIssue[];
}

export interface ConfigReport {
  /** undefined when there are errors. */
  readonly config: LoadedConfig | undefined;
  readonly errors: readonly ConfigIssue[];
  readonly warnings: readonly ConfigIssue[];
}

export const SERVER_FILE = 'server.toml';
export const MANAGERS_FILE = 'managers.toml';

/**
 * Reads and validates `server.toml` (optional: all defaults) and `managers.toml` (required).
 * Throws one ConfigError listing every problem of both files; warnings come back in the result.
 */
export function loadConfig(dir: string): LoadedConfig {
  const report = inspectConfig(dir);
  if (report.config === undefined) throw new ConfigError(report.errors);
  return report.config;
}

/** Like loadConfig, but returns errors and warnings instead of throwing (for check-config). */
export function inspectConfig(dir: string): ConfigReport {
  const absolute = resolve(dir);
  const serverIssues = new Issues(SERVER_FILE);
  const managersIssues = new Issues(MANAGERS_FILE);

  const serverFile = readToml(absolute, SERVER_FILE, serverIssues, false);
  const server = parseServerConfig(serverFile.values ?? {}, absolute, serverIssues);

  const managersFile = readToml(absolute, MANAGERS_FILE, managersIssues, true);
  const lineOf = (path: string): number | undefined =>
    managersFile.text === undefined ? undefined : locateKey(managersFile.text, path);
  const managers =
    managersFile.values === undefined
      ? undefined
      : parseManagersConfig(managersFile.values, managersIssues, lineOf);

  if (managers !== undefined && serverIssues.list.length === 0) {
    checkFilesAcrossFiles(managers.managers, server, managersIssues);
  }
  if (managers !== undefined) warnUnusedUserDBs(managers, managersIssues);

  const errors = [
    ...placed(serverIssues.list, serverFile.text),
    ...placed(managersIssues.list, managersFile.text),
  ];
  const warnings = [
    ...placed(serverIssues.warnings, serverFile.text),
    ...placed(managersIssues.warnings, managersFile.text),
  ];
  if (errors.length > 0 || managers === undefined) return { config: undefined, errors, warnings };
  return { config: { dir: absolute, server, ...managers, warnings }, errors, warnings };
}

function readToml(
  dir: string,
  file: string,
  issues: Issues,
  required: boolean,
): { values?: TomlTable; text?: string } {
  let text: string;
  try {
    text = readFileSync(join(dir, file), 'utf8').replace(/^\uFEFF/u, '');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      if (required) issues.add('', `not found in ${dir}`);
      return {};
    }
    issues.add('', `cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    return {};
  }
  try {
    return { values: parseToml(text), text };
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    const what = (err.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/u, '');
    issues.add('', `TOML syntax error at line ${err.line}, column ${err.column}: ${what}`, err.line);
    return { text };
  }
}

/** Fills in the line of each issue the parser could not place, drops repeats, orders by line. */
function placed(issues: readonly ConfigIssue[], text: string | undefined): ConfigIssue[] {
  const seen = new Set<string>();
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const key = `${issue.path}\n${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const line =
      issue.line ?? (text === undefined || issue.path === '' ? undefined : locateKey(text, issue.path));
    out.push(line === undefined ? issue : { ...issue, line });
  }
  const order = (i: ConfigIssue) => i.line ?? Number.MAX_SAFE_INTEGER;
  return out.sort((a, b) => order(a) - order(b));
}
