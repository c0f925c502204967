import type { Issues } from './issues.js';
import { parseDuration } from '../util/duration.js';
import { parseSize } from '../util/size.js';

export type TomlValue = string | number | bigint | boolean | Date | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

export function isTable(v: unknown): v is TomlTable {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/**
 * Reads one TOML table strictly: every key read is remembered, and `done()` reports the keys
 * nobody read as unknown. Problems go to `issues` with the full key path; getters return
 * undefined for a missing or bad value, so one pass finds every mistake.
 */
export class TableReader {
  readonly #seen = new Set<string>();
  constructor(
    readonly values: TomlTable,
    readonly path: string,
    readonly issues: Issues,
  ) {}

  keyPath(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }

  has(key: string): boolean {
    return key in this.values;
  }

  /** The first present spelling of a key that has several (pmproxy's README and code disagree). */
  pick(...keys: string[]): string | undefined {
    const present = keys.filter((k) => k in this.values);
    if (present.length > 1) this.issues.add(this.path, `give only one of ${present.join(', ')}`);
    return present[0];
  }

  raw(key: string): TomlValue | undefined {
    this.#seen.add(key);
    return this.values[key];
  }

  /** Marks a key as known but meaningless here (pmproxy's `fastOrStd`). */
  ignore(key: string, why: string): void {
    if (this.raw(key) !== undefined) this.issues.warn(this.keyPath(key), why);
  }

  string(key: string, opts: { required?: boolean; nonEmpty?: boolean } = {}): string | undefined {
    const v = this.raw(key);
    if (v === undefined) {
      if (opts.required === true) this.issues.add(this.keyPath(key), 'is required');
      return undefined;
    }
    if (typeof v !== 'string') return this.#wrong(key, 'a string', v);
    if (opts.nonEmpty === true && v.trim() === '') {
      this.issues.add(this.keyPath(key), 'must not be empty');
      return undefined;
    }
    return v;
  }

  /** A string or a list of strings, as for `cidr = "10.0.0.0/8"` or `cidr = ["…", "…"]`. */
  stringList(key: string, opts: { required?: boolean; allowSingle?: boolean } = {}): string[] | undefined {
    const v = this.raw(key);
    if (v === undefined) {
      if (opts.required === true) this.issues.add(this.keyPath(key), 'is required');
      return undefined;
    }
    if (typeof v === 'string' && opts.allowSingle === true) return [v];
    if (!Array.isArray(v))
      return this.#wrong(
        key,
        opts.allowSingle === true ? 'a string or a list of strings' : 'a list of strings',
        v,
      );
    const out: string[] = [];
    v.forEach((item, i) => {
      if (typeof item === 'string') out.push(item);
      else this.issues.add(`${this.keyPath(key)}[${i}]`, `must be a string, not ${describe(item)}`);
    });
    return out.length === v.length ? out : undefined;
  }

  boolean(key: string): boolean | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') return this.#wrong(key, 'true or false', v);
    return v;
  }

  integer(key: string, opts: { min?: number; max?: number } = {}): number | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) return this.#wrong(key, 'an integer', v);
    if ((opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)) {
      this.issues.add(
        this.keyPath(key),
        `must be between ${opts.min ?? '-∞'} and ${opts.max ?? '∞'}, not ${n}`,
      );
      return undefined;
    }
    return n;
  }

  /** Go duration string ("30s"), in milliseconds. */
  duration(key: string, opts: { required?: boolean; positive?: boolean } = {}): number | undefined {
    const v = this.string(key, opts);
    if (v === undefined) return undefined;
    const ms = parseDuration(v);
    if (typeof ms !== 'number') {
      this.issues.add(this.keyPath(key), ms.error);
      return undefined;
    }
    if (opts.positive === true && ms <= 0) {
      this.issues.add(this.keyPath(key), `must be longer than zero, not "${v}"`);
      return undefined;
    }
    if (ms < 0) {
      this.issues.add(this.keyPath(key), `must not be negative, not "${v}"`);
      return undefined;
    }
    return ms;
  }

  /** pmproxy size string ("1 GB", binary units), in bytes; a bare integer is taken as bytes. */
  size(key: string, opts: { required?: boolean } = {}): number | undefined {
    const v = this.raw(key);
    if (v === undefined) {
      if (opts.required === true) this.issues.add(this.keyPath(key), 'is required');
      return undefined;
    }
    return sizeValue(v, this.keyPath(key), this.issues);
  }

  table(key: string, opts: { required?: boolean } = {}): TableReader | undefined {
    const v = this.raw(key);
    if (v === undefined) {
      if (opts.required === true) this.issues.add(this.keyPath(key), 'is required');
      return undefined;
    }
    if (!isTable(v)) return this.#wrong(key, 'a table', v);
    return new TableReader(v, this.keyPath(key), this.issues);
  }

  /** Reports every key nobody asked for: unknown keys are errors, never silently ignored. */
  done(): void {
    for (const key of Object.keys(this.values)) {
      if (!this.#seen.has(key)) this.issues.add(this.keyPath(key), 'unknown key');
    }
  }

  #wrong(key: string, expected: string, got: TomlValue): undefined {
    this.issues.add(this.keyPath(key), `must be ${expected}, not ${describe(got)}`);
    return undefined;
  }
}

export function sizeValue(v: TomlValue, path: string, issues: Issues): number | undefined {
  if ((typeof v === 'number' && Number.isInteger(v) && v >= 0) || typeof v === 'bigint') return Number(v);
  if (typeof v !== 'string') {
    issues.add(path, `must be a size such as "1 GB", not ${describe(v)}`);
    return undefined;
  }
  const n = parseSize(v);
  if (typeof n !== 'number') {
    issues.add(path, n.error);
    return undefined;
  }
  return n;
}

export function describe(v: TomlValue): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Date) return 'a date';
  if (isTable(v)) return 'a table';
  return String(v);
}
