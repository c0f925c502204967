/**
 * Finds the line of a key path (`dwnConsR[0].groupQuota.group0`) in TOML text, for issues the
 * parser cannot place. Best effort: a line-based scan that follows table headers and counts
 * arrays of tables; when the exact key is not written on a line of its own (inline tables,
 * list items, a missing key), the nearest enclosing key or table header is given instead.
 */
export function locateKey(text: string, path: string): number | undefined {
  const lines = indexLines(text);
  let wanted = path;
  for (;;) {
    const line = lines.get(wanted);
    if (line !== undefined) return line;
    const shorter = parentPath(wanted);
    if (shorter === undefined) return undefined;
    wanted = shorter;
  }
}

/** `a[0].b.c` → `a[0].b`, `a.b[2]` → `a.b`, `a[0]` → `a`, `a` → undefined. */
function parentPath(path: string): string | undefined {
  const index = /\[\d+\]$/u.exec(path);
  if (index !== null) return path.slice(0, index.index);
  const dot = path.lastIndexOf('.');
  return dot <= 0 ? undefined : path.slice(0, dot);
}

/** Every table header and key written in the text, by canonical path, with its 1-based line. */
function indexLines(text: string): Map<string, number> {
  const found = new Map<string, number>();
  const arrayLengths = new Map<string, number>();
  let table = '';
  let multiline: '"""' | "'''" | undefined;
  // Open brackets of a list value spread over several lines, whose items must not read as headers.
  let listDepth = 0;
  const rows = text.split(/\r?\n/u);
  rows.forEach((row, i) => {
    const lineNo = i + 1;
    const line = row.trim();
    if (multiline !== undefined) {
      if (countOf(line, multiline) % 2 === 1) multiline = undefined;
      return;
    }
    if (line === '' || line.startsWith('#')) return;
    if (listDepth > 0) {
      listDepth += bracketBalance(line);
      return;
    }
    const header = /^(\[\[?)\s*([^\][]+?)\s*\]\]?\s*(?:#.*)?$/u.exec(line);
    if (header !== null && !(header[2] as string).includes(',')) {
      const keys = splitKey(header[2] as string);
      if (keys === undefined) return;
      const isArray = header[1] === '[[';
      const base = canonical(keys, arrayLengths, isArray ? keys.length - 1 : keys.length);
      if (isArray) {
        const index = arrayLengths.get(base) ?? 0;
        arrayLengths.set(base, index + 1);
        table = `${base}[${index}]`;
        if (!found.has(base)) found.set(base, lineNo);
      } else {
        table = base;
      }
      if (!found.has(table)) found.set(table, lineNo);
      return;
    }
    const assignment =
      /^((?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'))*)\s*=(.*)$/u.exec(
        line,
      );
    if (assignment === null) return;
    const keys = splitKey(assignment[1] as string);
    if (keys === undefined) return;
    const full = table === '' ? keys.join('.') : `${table}.${keys.join('.')}`;
    if (!found.has(full)) found.set(full, lineNo);
    const value = assignment[2] as string;
    listDepth = Math.max(0, bracketBalance(value));
    for (const quote of ['"""', "'''"] as const) {
      if (countOf(value, quote) % 2 === 1) multiline = quote;
    }
  });
  return found;
}

/** The canonical path of a header's keys, with the current index of every enclosing array of tables. */
function canonical(keys: string[], arrayLengths: ReadonlyMap<string, number>, upTo: number): string {
  let path = '';
  keys.forEach((key, i) => {
    path = path === '' ? key : `${path}.${key}`;
    const length = arrayLengths.get(path);
    if (i < upTo && length !== undefined && length > 0) path = `${path}[${length - 1}]`;
  });
  return path;
}

/** `a . "b.c" . 'd'` → ['a', 'b.c', 'd']; undefined for something that is not a key. */
function splitKey(text: string): string[] | undefined {
  const keys: string[] = [];
  const part = /\s*(?:([A-Za-z0-9_-]+)|"((?:[^"\\]|\\.)*)"|'([^']*)')\s*(\.|$)/uy;
  let at = 0;
  while (at < text.length) {
    part.lastIndex = at;
    const m = part.exec(text);
    if (m === null) return undefined;
    keys.push(m[1] ?? unescapeBasic(m[2]) ?? m[3] ?? '');
    at = part.lastIndex;
    if (m[4] === '') break;
  }
  return keys.length === 0 ? undefined : keys;
}

function unescapeBasic(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  return text.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/gu, (_, esc: string) => {
    if (esc.length > 1) return String.fromCodePoint(parseInt(esc.slice(1), 16));
    const simple: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      b: '\b',
      f: '\f',
      '"': '"',
      '\\': '\\',
    };
    return simple[esc] ?? esc;
  });
}

/** Opened minus closed brackets, outside strings and comments. */
function bracketBalance(text: string): number {
  const bare = text.replace(/"(?:[^"\\]|\\.)*"|'[^']*'/gu, '').replace(/#.*$/u, '');
  let depth = 0;
  for (const c of bare) {
    if (c === '[' || c === '{') depth += 1;
    else if (c === ']' || c === '}') depth -= 1;
  }
  return depth;
}

function countOf(text: string, needle: string): number {
  return text.split(needle).length - 1;
}
