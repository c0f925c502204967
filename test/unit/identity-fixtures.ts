/** Real stores in temporary folders, and the services the identity managers are built with. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Issues } from '../../src/config/issues.js';
import { TableReader, type TomlTable } from '../../src/config/table-reader.js';
import type { RequestContext, Services } from '../../src/managers/types.js';
import { assembleServices } from '../../src/managers/services.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { UserDirectoryImpl } from '../../src/users/directory.js';
import type { UserDB } from '../../src/users/types.js';
import type { Clock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';

/** A temporary folder removed by `cleanup`, with the path of a store file two folders down. */
export function tempDir(): { dir: string; dbPath: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pmproxy-unit-'));
  return {
    dir,
    dbPath: join(dir, 'data', 'nested', 'pmproxy.db'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A TableReader over `values` at `path`, and the Issues it reports to. */
export function reader(values: TomlTable, path: string): { table: TableReader; issues: Issues } {
  const issues = new Issues('managers.toml');
  return { table: new TableReader(values, path, issues), issues };
}

export function messages(issues: Issues): string[] {
  return issues.list.map((i) => `${i.path}: ${i.message}`);
}

export function services(store: SqliteStore, clock: Clock, dbs: readonly UserDB[]): Services {
  return assembleServices({
    store,
    users: new UserDirectoryImpl(dbs),
    clock,
    log: silentLogger,
    configDir: '.',
  });
}

export function request(clientIp: string, clock: Clock, proxyAuthorization?: string): RequestContext {
  const base = { surface: 'proxy' as const, clientIp, at: clock.now(), users: new Map<string, string>() };
  return proxyAuthorization === undefined ? base : { ...base, proxyAuthorization };
}

export function basic(user: string, pass: string): string {
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}
