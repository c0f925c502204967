import parseRange from 'range-parser';

/** A byte range of a file; both ends included, as in Content-Range. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * The most ranges one response serves after overlapping and adjacent ones are merged. More are
 * answered with the whole file (200), as Apache's MaxRanges does since CVE-2011-3192: a 200 is
 * always a correct answer to a Range request, so a greedy but honest client still gets its bytes,
 * while a request of thousands of tiny ranges cannot make the server emit thousands of part headers
 * or seek thousands of times. Overlaps are no risk once merged: the body never exceeds the file
 * plus the headers of at most this many parts.
 */
export const MAX_RANGES = 16;

/** What to answer to a Range header: the whole file, 416, or these ranges (in request order). */
export type RangeChoice =
  | { readonly kind: 'whole' }
  | { readonly kind: 'unsatisfiable' }
  | { readonly kind: 'partial'; readonly ranges: readonly ByteRange[] };

const WHOLE: RangeChoice = { kind: 'whole' };
const RANGE_SPEC = /^(?:(\d+)-(\d*)|-(\d+))$/;

/**
 * Chooses the ranges to serve of a file of `size` bytes for a Range header value (RFC 9110 §14).
 * Anything but a well-formed `bytes=` set is ignored (the whole file): other units, garbage, and a
 * range whose last position precedes its first, which the grammar makes invalid rather than
 * unsatisfiable. A suffix or open range is resolved and a range past the end clipped.
 */
export function chooseRanges(header: string, size: number): RangeChoice {
  const equals = header.indexOf('=');
  if (equals === -1 || header.slice(0, equals).toLowerCase() !== 'bytes') return WHOLE;
  const specs = rangeSpecs(header.slice(equals + 1));
  if (specs === undefined) return WHOLE;
  // A suffix longer than the file means all of it (RFC 9110 §14.1.3); range-parser would compute a
  // negative start and call it unsatisfiable.
  const clipped = specs.map((spec) =>
    spec.startsWith('-') ? `-${Math.min(Number(spec.slice(1)), size)}` : spec,
  );
  const parsed = parseRange(size, `bytes=${clipped.join(',')}`, { combine: true });
  if (parsed === -2) return WHOLE;
  if (parsed === -1) return { kind: 'unsatisfiable' };
  if (parsed.length > MAX_RANGES) return WHOLE;
  return { kind: 'partial', ranges: parsed.map(({ start, end }) => ({ start, end })) };
}

/**
 * The range specs of a range set, or undefined when it is malformed. Empty list members are dropped
 * (RFC 9110 §5.6.1), which range-parser would reject; "5-3" is refused, which range-parser would
 * take for an unsatisfiable range.
 */
function rangeSpecs(set: string): string[] | undefined {
  const specs = set
    .split(',')
    .map((spec) => spec.trim())
    .filter((spec) => spec !== '');
  const valid = specs.every((spec) => {
    const match = RANGE_SPEC.exec(spec);
    if (match === null) return false;
    const [, first, last] = match;
    return first === undefined || last === undefined || last === '' || Number(last) >= Number(first);
  });
  return valid && specs.length > 0 ? specs : undefined;
}
