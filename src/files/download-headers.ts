import { create as contentDisposition } from 'content-disposition';

// How an uploaded file may be shown: the research's recommendation (hmac-upload.md §1.3), made to
// avoid what prosody-filer and hmac-file-server do (everything inline, no nosniff, no CSP, so an
// uploaded .html or .svg runs script on the upload origin).

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
/** type/subtype, then parameters of visible ASCII only: nothing that could break the header. */
const MEDIA_TYPE = new RegExp(`^(${TOKEN})/(${TOKEN})[ \\t]*(?:;[\\x20-\\x7e\\t]*)?$`);

/** The stored type when it is a well-formed media type; octet-stream (and so attachment) if not. */
export function servedContentType(stored: string): string {
  return MEDIA_TYPE.test(stored) ? stored : 'application/octet-stream';
}

/** "type/subtype" in lower case, without parameters. */
function essence(contentType: string): { type: string; subtype: string } {
  const match = MEDIA_TYPE.exec(contentType);
  return {
    type: (match?.[1] ?? 'application').toLowerCase(),
    subtype: (match?.[2] ?? 'octet-stream').toLowerCase(),
  };
}

/**
 * Inline only for types a browser shows without running anything: images other than SVG (an SVG
 * document runs script), audio, video, and plain text. HTML, XML, SVG, PDF and the unknown are
 * attachments, served with their stored type but never rendered on this origin.
 */
export function shownInline(contentType: string): boolean {
  const { type, subtype } = essence(contentType);
  if (type === 'image') return !subtype.includes('svg') && !subtype.endsWith('+xml');
  if (type === 'audio' || type === 'video') return true;
  return type === 'text' && subtype === 'plain';
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Content-Disposition with the file name, RFC 6266 / 8187 encoded (`filename*` when not ASCII);
 * `alwaysAttachment` saves even a type a browser would show.
 */
export function dispositionHeader(contentType: string, name: string, alwaysAttachment = false): string {
  // encodeURIComponent, which builds filename*, throws on half a surrogate pair.
  const wellFormed = name.replace(LONE_SURROGATE, '\uFFFD');
  const inline = !alwaysAttachment && shownInline(contentType);
  return contentDisposition(wellFormed, { type: inline ? 'inline' : 'attachment' });
}

/**
 * The Content-Security-Policy of a download. `default-src 'none'` lets the document load nothing,
 * run no script and apply no style; `sandbox` adds an opaque origin and no forms, popups, plugins or
 * top navigation, so even a rendered file could not act as this origin; `frame-ancestors 'none'`
 * keeps it out of frames (XMPP web clients embed uploads with <img>/<video>, which it does not
 * affect). Two kinds of file need more, as found in Chromium (test/integration/
 * files-download-browser.test.ts): the image viewer styles its page inline (`style-src
 * 'unsafe-inline'`, as raw.githubusercontent.com sends; an image document has no author markup to
 * style), and the media document of an audio or video file loads the file again through its own
 * <video>, which needs `media-src 'self'` and, since an opaque origin turns that load into a CORS
 * request that fails, `sandbox allow-same-origin`: every other sandbox flag stays, and no script
 * can run to use the origin (no allow-scripts, and script-src is 'none').
 */
export function contentSecurityPolicy(contentType: string): string {
  const { type } = essence(contentType);
  if (type === 'audio' || type === 'video')
    return "default-src 'none'; media-src 'self'; frame-ancestors 'none'; sandbox allow-same-origin";
  if (shownInline(contentType) && type === 'image')
    return "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox";
  return "default-src 'none'; frame-ancestors 'none'; sandbox";
}
