/**
 * What a virus scan found. `unreachable`: clamd could not be reached at all (not running, no
 * socket, no connection in time) — the one case `onScannerDown` decides. `error` covers every
 * other way of not getting a verdict (its stream limit, a timeout once connected, a failing input):
 * the file was not scanned, and it is never let through as if it had been.
 */
export type ScanResult =
  | { readonly verdict: 'clean' }
  | { readonly verdict: 'infected'; readonly signature: string }
  | { readonly verdict: 'unreachable'; readonly reason: string }
  | { readonly verdict: 'error'; readonly reason: string };

export function scanError(reason: string): ScanResult {
  return { verdict: 'error', reason };
}

/**
 * clamd's answer to INSTREAM, without its terminator: `stream: OK`, `stream: <Name> FOUND`, or
 * `<message> ERROR` (which is how `INSTREAM size limit exceeded. ERROR` arrives). Anything else is an
 * error too: a reply we do not understand must never let a file through as clean.
 */
export function parseInstreamReply(reply: string): ScanResult {
  const text = reply.trim();
  if (text === 'stream: OK') return { verdict: 'clean' };
  const found = /^stream: (.+) FOUND$/u.exec(text);
  if (found !== null) return { verdict: 'infected', signature: found[1] as string };
  const failed = /^(?:stream: )?(.*?)\s*ERROR$/u.exec(text);
  if (failed !== null) return scanError(`clamd: ${failed[1] === '' ? 'ERROR' : failed[1]}`);
  return scanError(`clamd answered something unexpected: ${JSON.stringify(text.slice(0, 200))}`);
}
