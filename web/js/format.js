// Times as the reader expects them: in the browser's language and time zone (the API sends UTC ISO).

/**
 * "Saturday, 22 November 2026 at 01:00" in the browser's locale.
 * @param {string} iso
 * @param {'full' | 'medium' | 'short'} [dateStyle]
 */
export function localTime(iso, dateStyle = 'medium') {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(undefined, { dateStyle, timeStyle: 'short' }).format(date);
}

const UNITS = /** @type {const} */ ([
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
]);

/**
 * "in 3 hours", "5 minutes ago": the largest whole unit, so it reads at a glance.
 * @param {string} iso
 * @param {number} [now]
 */
export function relativeTime(iso, now = Date.now()) {
  const diff = new Date(iso).getTime() - now;
  if (Number.isNaN(diff)) return '';
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms) return format.format(Math.round(diff / ms), unit);
  }
  return format.format(0, 'minute');
}

/**
 * A <time> element showing a local time, with the exact instant in its datetime attribute.
 * @param {string} iso
 * @param {'full' | 'medium' | 'short'} [dateStyle]
 */
export function timeElement(iso, dateStyle = 'medium') {
  const node = document.createElement('time');
  node.dateTime = iso;
  node.textContent = localTime(iso, dateStyle);
  node.title = iso;
  return node;
}

/**
 * "1.0 GB", as the server writes sizes (units of 1024, one decimal), for figures the page computes.
 * @param {number} bytes
 */
export function sizeText(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
