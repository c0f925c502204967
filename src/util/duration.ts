/** Go's time.ParseDuration syntax ("1h30m", "300ms", "-1.5h", "0"), as pmproxy's TOML uses it. */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds, or an error message saying what is wrong. */
export function parseDuration(text: string): number | { error: string } {
  const bad = { error: `"${text}" is not a duration (Go syntax: "30s", "5m", "24h", "1h30m")` };
  let rest = text.trim();
  if (rest === '0') return 0;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '') return bad;
  let total = 0;
  const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/u;
  while (rest !== '') {
    const m = part.exec(rest);
    if (m === null) return bad;
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

/** Go's Duration.String() form, for `show` and status output. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let rest = Math.abs(ms);
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = rest / 1000;
  let out = '';
  if (h > 0) out += `${h}h`;
  if (h > 0 || m > 0) out += `${m}m`;
  out += `${Number(s.toFixed(3))}s`;
  return (neg ? '-' : '') + out;
}
