import { resolve } from 'node:path';
import { ACCESS_FORMATS, type AccessFormat } from '../proxy/access-formats.js';
import { describe, type TableReader } from './table-reader.js';

export const LOG_LEVELS = ['info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `[log]` of server.toml. */
export interface LogSettings {
  /** The access log's format. */
  readonly access: AccessFormat;
  /** Where the access log goes; undefined: stdout. */
  readonly accessFile?: string;
  /** The event log's (stderr) lowest level. */
  readonly level: LogLevel;
}

export const DEFAULT_LOG: LogSettings = { access: 'json', level: 'info' };

function oneOf<T extends string>(t: TableReader, key: string, choices: readonly T[], fallback: T): T {
  if (!t.has(key)) return fallback;
  const text = t.string(key);
  if (text === undefined) return fallback;
  if ((choices as readonly string[]).includes(text)) return text as T;
  t.issues.add(
    t.keyPath(key),
    `must be one of ${choices.map((c) => `"${c}"`).join(', ')}, not ${describe(text)}`,
  );
  return fallback;
}

/** `[log]`: access = "json" | "squid" | "combined", accessFile (relative to the config folder), level. */
export function readLog(t: TableReader, dir: string): LogSettings {
  const access = oneOf(t, 'access', ACCESS_FORMATS, DEFAULT_LOG.access);
  const file = t.string('accessFile', { nonEmpty: true });
  const level = oneOf(t, 'level', LOG_LEVELS, DEFAULT_LOG.level);
  t.done();
  return file === undefined ? { access, level } : { access, level, accessFile: resolve(dir, file) };
}
