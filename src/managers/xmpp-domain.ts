import { normalizeDomain } from './domain-set.js';

/**
 * An XMPP domain as managers.toml writes it (`chat.example.org`), in the one form hmacUpload and
 * upQuota compare: lowercased, internationalized names in punycode, no trailing dot. Unlike a
 * hostMatcher entry it names one server, not a subtree, so a leading "*." or "." is refused rather
 * than silently dropped.
 */
export function parseXmppDomain(text: string): string | { error: string } {
  const quoted = JSON.stringify(text);
  if (/^\s*\*?\./u.test(text)) {
    return { error: `${quoted} is a pattern; write the one XMPP domain, such as "chat.example.org"` };
  }
  return (
    normalizeDomain(text) ?? {
      error: `${quoted} is not a domain name (an XMPP domain such as "chat.example.org")`,
    }
  );
}
