/**
 * Sizes as pmproxy writes them: an integer, an optional space and a case-insensitive unit.
 * Units are binary (1 KB = 1024 B), as in the Go original; "Kb"-style bit units are refused.
 */
const UNITS = ['', 'k', 'm', 'g', 't', 'p', 'e'] as const;

export function parseSize(text: string): number | { error: string } {
  const m = /^\s*(\d+)\s?([a-zA-Z]*)\s*$/u.exec(text);
  const bad = { error: `"${text}" is not a size (an integer and a unit: "512 B", "10 MB", "1 GB")` };
  if (m === null) return bad;
  const digits = m[1] as string;
  const unitText = m[2] as string;
  if (/^[KMGTPE]b$/u.test(unitText)) {
    return { error: `"${text}": "${unitText}" reads as bits; write "${unitText[0]}B" for bytes` };
  }
  const unit = unitText.toLowerCase();
  let power: number | undefined;
  if (unit === '' || unit === 'b' || unit === 'byte' || unit === 'bytes') power = 0;
  else {
    const letter = unit[0] as string;
    const names: Record<string, string> = { k: 'kilo', m: 'mega', g: 'giga', t: 'tera', p: 'peta', e: 'exa' };
    const word = names[letter];
    if (word !== undefined && [letter, `${letter}b`, word, `${word}byte`, `${word}bytes`].includes(unit)) {
      power = UNITS.indexOf(letter as (typeof UNITS)[number]);
    }
  }
  if (power === undefined) return bad;
  const value = BigInt(digits) * 1024n ** BigInt(power);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return { error: `"${text}" is too large` };
  return Number(value);
}

/**
 * Sizes as people read them: "N B" below 1 KB, else one decimal in the largest unit reached, so a
 * configured "1 GB" reads "1.0 GB" (and 1536 B "1.5 KB").
 */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const names = ['KB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let unit = 0;
  let div = 1024;
  while (unit < names.length - 1 && bytes >= div * 1024) {
    div *= 1024;
    unit += 1;
  }
  return `${(bytes / div).toFixed(1)} ${names[unit]}`;
}

/**
 * The Go original's form, kept for its clients inside /api/cmd only: "N B" up to 1024, else one
 * decimal in the largest unit strictly exceeded ("1 GB" reads "1024.0 MB").
 */
export function formatSizeGo(bytes: number): string {
  if (bytes <= 1024) return `${bytes} B`;
  const names = ['KB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let unit = 0;
  let div = 1024;
  while (unit < names.length - 1 && bytes > div * 1024) {
    div *= 1024;
    unit += 1;
  }
  return `${(bytes / div).toFixed(1)} ${names[unit]}`;
}
