import { sizeValue, type TableReader } from '../config/table-reader.js';

/**
 * Reads a table of group → size (`[dwnConsR.groupQuota]`, `[bwConsR.groupRate]`), reporting every
 * bad entry with its key path. With `perSecond`, a trailing "/s" is accepted ("512 KB/s").
 */
export function readGroupSizes(
  table: TableReader,
  key: string,
  opts: { perSecond?: boolean; positive?: boolean } = {},
): Map<string, number> | undefined {
  const groups = table.table(key, { required: true });
  if (groups === undefined) return undefined;
  const out = new Map<string, number>();
  let ok = true;
  for (const group of Object.keys(groups.values)) {
    const path = groups.keyPath(group);
    let v = groups.raw(group);
    if (opts.perSecond === true && typeof v === 'string') v = v.replace(/\s*\/\s*s(?:ec(?:ond)?)?\s*$/iu, '');
    const bytes = v === undefined ? undefined : sizeValue(v, path, table.issues);
    if (bytes === undefined) ok = false;
    else if (opts.positive === true && bytes <= 0) {
      table.issues.add(path, 'must be more than 0 bytes');
      ok = false;
    } else out.set(group, bytes);
  }
  groups.done();
  return ok ? out : undefined;
}
