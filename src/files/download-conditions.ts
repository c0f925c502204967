import type { IncomingHttpHeaders } from 'node:http';

// Conditional requests for downloads (RFC 9110 §13). Written here rather than taken from `fresh`:
// fresh answers only If-None-Match/If-Modified-Since, while a download also needs If-Match,
// If-Unmodified-Since and If-Range, the last two with strong comparison, so the entity-tag parsing
// would have to exist here anyway; one parser for all five keeps their comparisons consistent.

/** An entity tag split into its parts; `opaque` excludes the quotes. */
export interface EntityTag {
  readonly weak: boolean;
  readonly opaque: string;
}

/** What the selected representation is validated by: its entity tag and modification time. */
export interface Validators {
  readonly etag: EntityTag;
  readonly modified: Date;
}

/** The outcome of the preconditions of a GET or HEAD (RFC 9110 §13.2.2, steps 1 to 4). */
export type Precondition = 'proceed' | 'not-modified' | 'failed';

// etagc = %x21 / %x23-7E / obs-text: a comma may sit inside the quotes, so lists are scanned, not split.
const LIST_MEMBER = /[ \t]*(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"[ \t]*(?:,|$)/y;
const EMPTY_MEMBER = /[ \t]*,/y;
const SINGLE_TAG = /^(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"$/;

/** Parses one complete entity tag such as `"abc"` or `W/"abc"`; undefined when it is not one. */
export function parseEntityTag(value: string): EntityTag | undefined {
  const match = SINGLE_TAG.exec(value);
  if (match === null) return undefined;
  return { weak: match[1] !== undefined, opaque: match[2] as string };
}

/**
 * Parses an If-Match / If-None-Match value: `*`, or a list of entity tags (empty members allowed, as
 * RFC 9110 §5.6.1 asks of recipients). Undefined when the value is malformed anywhere.
 */
export function parseEntityTagList(value: string): '*' | EntityTag[] | undefined {
  if (value.trim() === '*') return '*';
  const tags: EntityTag[] = [];
  let at = 0;
  while (at < value.length) {
    EMPTY_MEMBER.lastIndex = at;
    if (EMPTY_MEMBER.test(value)) {
      at = EMPTY_MEMBER.lastIndex;
      continue;
    }
    LIST_MEMBER.lastIndex = at;
    const match = LIST_MEMBER.exec(value);
    if (match === null) return value.slice(at).trim() === '' ? tags : undefined;
    tags.push({ weak: match[1] !== undefined, opaque: match[2] as string });
    at = LIST_MEMBER.lastIndex;
  }
  return tags;
}

/** Strong comparison (RFC 9110 §8.8.3.2): both tags strong and their opaque parts equal. */
export function strongMatch(a: EntityTag, b: EntityTag): boolean {
  return !a.weak && !b.weak && a.opaque === b.opaque;
}

/** Weak comparison: the opaque parts equal, whatever the W/ flags. */
export function weakMatch(a: EntityTag, b: EntityTag): boolean {
  return a.opaque === b.opaque;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = `(?<month>${MONTHS.join('|')})`;
const TIME = '(?<h>\\d{2}):(?<m>\\d{2}):(?<s>\\d{2})';
const IMF_FIXDATE = new RegExp(
  `^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (?<day>\\d{2}) ${MONTH} (?<year>\\d{4}) ${TIME} GMT$`,
);
const RFC850_DATE = new RegExp(
  `^(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, (?<day>\\d{2})-${MONTH}-(?<shortYear>\\d{2}) ${TIME} GMT$`,
);
const ASCTIME_DATE = new RegExp(
  `^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} (?<day>[ \\d]\\d) ${TIME} (?<year>\\d{4})$`,
);

/**
 * Parses an HTTP-date in any of RFC 9110 §5.6.7's three forms, to whole seconds since the epoch.
 * Stricter than Date.parse on purpose: a value such as "2024" is not a date, and must not turn
 * If-Modified-Since into a 304.
 */
export function parseHttpDate(value: string, now: Date = new Date()): number | undefined {
  const fields = (IMF_FIXDATE.exec(value) ?? RFC850_DATE.exec(value) ?? ASCTIME_DATE.exec(value))?.groups;
  if (fields === undefined) return undefined;
  const number = (name: string): number => Number((fields[name] ?? '').trim());
  let year = number('year');
  if (fields['shortYear'] !== undefined) {
    // A two-digit year more than 50 years ahead means the latest past year ending in those digits.
    const thisYear = now.getUTCFullYear();
    year = Math.floor(thisYear / 100) * 100 + number('shortYear');
    if (year > thisYear + 50) year -= 100;
  }
  const month = MONTHS.indexOf(fields['month'] ?? '');
  const [day, h, m, s] = [number('day'), number('h'), number('m'), number('s')];
  // setUTCFullYear, unlike Date.UTC, does not read years below 100 as 19xx.
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  date.setUTCHours(h, m, s);
  // 31 Feb rolls over into March; such a date is malformed, not a later one.
  if (date.getUTCDate() !== day || date.getUTCMonth() !== month || h > 23 || m > 59 || s > 60)
    return undefined;
  return Math.floor(date.getTime() / 1000);
}

/** The Last-Modified time as the header states it: HTTP dates have no fractions of a second. */
function modifiedSeconds(validators: Validators): number {
  return Math.floor(validators.modified.getTime() / 1000);
}

/**
 * Evaluates If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since for a GET or HEAD,
 * in RFC 9110 §13.2.2's order. A malformed If-Match matches nothing (so fails); a malformed
 * If-None-Match matches nothing (so passes), and still hides If-Modified-Since.
 */
export function evaluatePreconditions(headers: IncomingHttpHeaders, validators: Validators): Precondition {
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    const tags = parseEntityTagList(ifMatch);
    const matches = tags === '*' || (tags ?? []).some((tag) => strongMatch(tag, validators.etag));
    if (!matches) return 'failed';
  } else {
    const since = headers['if-unmodified-since'];
    const date = since === undefined ? undefined : parseHttpDate(since);
    if (date !== undefined && modifiedSeconds(validators) > date) return 'failed';
  }

  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    const tags = parseEntityTagList(ifNoneMatch);
    const matches = tags === '*' || (tags ?? []).some((tag) => weakMatch(tag, validators.etag));
    // For GET and HEAD a match means 304; the 412 of other methods never applies here.
    return matches ? 'not-modified' : 'proceed';
  }
  const since = headers['if-modified-since'];
  const date = since === undefined ? undefined : parseHttpDate(since);
  if (date !== undefined && modifiedSeconds(validators) <= date) return 'not-modified';
  return 'proceed';
}

/**
 * Whether If-Range lets the Range header apply (RFC 9110 §13.1.5): true when absent; an entity tag
 * must match strongly (a weak tag never does); a date must equal Last-Modified to the second.
 */
export function ifRangeHolds(ifRange: string | undefined, validators: Validators): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) {
    const tag = parseEntityTag(value);
    return tag !== undefined && strongMatch(tag, validators.etag);
  }
  const date = parseHttpDate(value);
  return date !== undefined && date === modifiedSeconds(validators);
}
