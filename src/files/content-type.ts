/** What a file is served as when the upload named no type, or one that is not a media type. */
export const UNKNOWN_TYPE = 'application/octet-stream';

/** type "/" subtype, then parameters; tokens as RFC 9110 §5.6.2 defines them. */
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MEDIA_TYPE = new RegExp(
  `^${TOKEN}/${TOKEN}(?:\\s*;\\s*${TOKEN}=(?:${TOKEN}|"(?:[^"\\\\\\r\\n]|\\\\.)*"))*$`,
  'u',
);

/**
 * The type to store for an upload: the request's Content-Type when it is a well-formed media type
 * (for v2 and token it is also signed), lowercased in its type and subtype; otherwise UNKNOWN_TYPE,
 * which is always served as an attachment.
 */
export function storedContentType(header: string | undefined): string {
  const text = header?.trim() ?? '';
  if (text === '' || text.length > 255 || !MEDIA_TYPE.test(text)) return UNKNOWN_TYPE;
  const semi = text.indexOf(';');
  return semi < 0 ? text.toLowerCase() : `${text.slice(0, semi).trim().toLowerCase()}${text.slice(semi)}`;
}
