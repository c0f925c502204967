import { isTable, sizeValue, type TableReader } from '../config/table-reader.js';
import { formatSize } from '../util/size.js';

export interface GroupSizeOptions {
  /** A trailing "/s" is accepted ("512 KB/s"). */
  readonly perSecond?: boolean;
  readonly positive?: boolean;
  /** Default true; when false an absent table gives undefined without an issue (check `has`). */
  readonly required?: boolean;
  /** Checks and normalizes each key (an XMPP domain); two keys that normalize alike are an error. */
  readonly keyOf?: (key: string) => string | { error: string };
}

/**
 * Reads a table of group → size (`[dwnConsR.groupQuota]`, `[bwConsR.groupRate]`,
 * `[upQuota.domainQuota]`), reporting every bad entry with its key path.
 */
export function readGroupSizes(
  table: TableReader,
  key: string,
  opts: GroupSizeOptions = {},
): Map<string, number> | undefined {
  const groups = table.table(key, { required: opts.required ?? true });
  if (groups === undefined) return undefined;
  const out = new Map<string, number>();
  const writtenAs = new Map<string, string>();
  let ok = true;
  for (const group of Object.keys(groups.values)) {
    const path = groups.keyPath(group);
    let v = groups.raw(group);
    const name = opts.keyOf === undefined ? group : opts.keyOf(group);
    if (typeof name !== 'string') {
      table.issues.add(path, name.error);
      ok = false;
      continue;
    }
    const earlier = writtenAs.get(name);
    if (earlier !== undefined) {
      table.issues.add(path, `is ${JSON.stringify(earlier)} again, written differently`);
      ok = false;
      continue;
    }
    writtenAs.set(name, group);
    if (isTable(v)) {
      // `chat.example.org = "5 GB"` is TOML for chat → example → org: the usual slip with domains.
      table.issues.add(path, 'must be a size, not a table (a key with dots must be quoted: "a.b" = "1 GB")');
      ok = false;
      continue;
    }
    if (opts.perSecond === true && typeof v === 'string') v = v.replace(/\s*\/\s*s(?:ec(?:ond)?)?\s*$/iu, '');
    const bytes = v === undefined ? undefined : sizeValue(v, path, table.issues);
    if (bytes === undefined) ok = false;
    else if (opts.positive === true && bytes <= 0) {
      table.issues.add(path, 'must be more than 0 bytes');
      ok = false;
    } else out.set(name, bytes);
  }
  groups.done();
  return ok ? out : undefined;
}

/** The sum of the sizes of `groups` (a group listed twice counts once; an unlisted one adds 0). */
export function sumOverGroups(sizes: ReadonlyMap<string, number>, groups: readonly string[]): number {
  let total = 0;
  for (const group of new Set(groups)) total += sizes.get(group) ?? 0;
  return total;
}

/** A size table as an admin writes it, for `settings()` and `show`: { students: "1.0 GB" }. */
export function formatSizes(sizes: ReadonlyMap<string, number>): Record<string, string> {
  return Object.fromEntries([...sizes].map(([group, bytes]) => [group, formatSize(bytes)]));
}
