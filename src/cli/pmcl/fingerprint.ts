/**
 * SHA-256 certificate fingerprints. Users copy them from the server's start-up line (Node's
 * colon-separated upper-case hex) or from tools that print plain hex, so both are accepted in any
 * case; they are stored and shown in Node's form so what pmcl prints matches what the server printed.
 */
const PLAIN = /^[0-9a-f]{64}$/iu;
const COLONS = /^[0-9a-f]{2}(:[0-9a-f]{2}){31}$/iu;

export function parseFingerprint(text: string): string | undefined {
  const trimmed = text.trim();
  if (!PLAIN.test(trimmed) && !COLONS.test(trimmed)) return undefined;
  const hex = trimmed.replaceAll(':', '').toUpperCase();
  return (hex.match(/../gu) ?? []).join(':');
}

/** True when two fingerprints (in any accepted form) name the same certificate. */
export function sameFingerprint(a: string, b: string): boolean {
  const x = parseFingerprint(a);
  return x !== undefined && x === parseFingerprint(b);
}
