/** pino's numeric levels, kept so existing log tooling (pino-pretty, jq filters) reads our lines. */
export const LEVEL_NUMBER = { info: 30, warn: 40, error: 50 } as const;
export type LevelName = keyof typeof LEVEL_NUMBER;

// Characters that need escaping in a JSON string, and lone surrogate halves (JSON.stringify writes
// those as \u escapes so the line stays valid UTF-8).
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/u;

function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

function value(field: unknown): string {
  switch (typeof field) {
    case 'string':
      return quote(field);
    case 'number':
      return Number.isFinite(field) ? String(field) : 'null';
    case 'boolean':
      return field ? 'true' : 'false';
    case 'bigint':
      return String(field);
    default:
      try {
        return JSON.stringify(field) ?? 'null';
      } catch {
        // A cycle: a log line must never throw.
        return '"[unserializable]"';
      }
  }
}

/**
 * One log line in pino's shape — `{"level":30,"time":…,<base>,<fields>,"msg":…}` and a newline —
 * written by hand: the access log writes one per request, and pino's general path (hooks,
 * serializers, redaction, child bindings) cost more than the proxying of a small request.
 * `base` is already serialized (`"app":"pmproxy"`). Fields that are undefined are left out, as
 * JSON.stringify does.
 */
export function jsonLine(
  level: LevelName,
  time: number,
  base: string,
  msg: string,
  fields: Readonly<Record<string, unknown>> | undefined,
): string {
  let line = `{"level":${LEVEL_NUMBER[level]},"time":${time},${base}`;
  if (fields !== undefined) {
    for (const key in fields) {
      const field = fields[key];
      if (field === undefined || typeof field === 'function' || typeof field === 'symbol') continue;
      line += `,${quote(key)}:${value(field)}`;
    }
  }
  return `${line},"msg":${quote(msg)}}\n`;
}
