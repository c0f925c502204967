import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The XMPP external-upload signatures (docs: ../shared/research/hmac-upload.md §1.2):
 * - `v`     Prosody v1 and ejabberd: HMAC(path 0x20 size)
 * - `v2`    Prosody `_protocol = "v2"`: HMAC(path 0x00 size 0x00 type)
 * - `token` Metronome: the same bytes as v2
 * Every MAC is HMAC-SHA-256 keyed with the secret's UTF-8 bytes, sent as 64 hex digits.
 */
export type UploadProtocol = 'v' | 'v2' | 'token';

/** Strongest first: the order in which query parameters are looked for (research §0). */
export const UPLOAD_PROTOCOLS: readonly UploadProtocol[] = ['v2', 'token', 'v'];

/** What v2 and token sign when the slot request named no type (Prosody's default). */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** The facts of one PUT a signature must bind. */
export interface SignedUpload {
  /** Percent-decoded, public prefix stripped, no leading slash: `uuid/très cool.jpg`. */
  readonly path: string;
  /** The request's Content-Length. */
  readonly size: number;
  /** The PUT's Content-Type header as Node gives it (one char per byte); undefined when absent. */
  readonly contentType?: string;
}

/** The exact bytes a protocol signs for one upload with one content type. */
export function signedMessage(protocol: UploadProtocol, path: string, size: number, type?: string): Buffer {
  const p = Buffer.from(path, 'utf8');
  const n = Buffer.from(String(size), 'ascii');
  if (protocol === 'v') return Buffer.concat([p, Buffer.from([0x20]), n]);
  const t = headerBytes(type ?? DEFAULT_CONTENT_TYPE);
  return Buffer.concat([p, Buffer.from([0]), n, Buffer.from([0]), t]);
}

/** The MAC as the XMPP servers send it: 64 lowercase hex digits. */
export function macHex(secret: string, message: Buffer): string {
  return mac(secret, message).toString('hex');
}

function mac(secret: string, message: Buffer): Buffer {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(message).digest();
}

/** The query string's view the check needs: every value of a parameter. */
export type QueryValues = (name: string) => readonly string[];

export type SignatureResult =
  | { readonly ok: true; readonly protocol: UploadProtocol }
  | { readonly ok: false; readonly reason: string; readonly protocol?: UploadProtocol };

const HEX_MAC = /^[0-9a-fA-F]{64}$/u;

/**
 * Checks the strongest signature present among `protocols`. A weaker one is never tried when a
 * stronger one is present and wrong: that would let a captured v URL unbind the content type.
 */
export function verifyUploadSignature(
  query: QueryValues,
  upload: SignedUpload,
  secret: string,
  protocols: readonly UploadProtocol[] = UPLOAD_PROTOCOLS,
): SignatureResult {
  const protocol = UPLOAD_PROTOCOLS.find((p) => protocols.includes(p) && query(p).length > 0);
  if (protocol === undefined) {
    return { ok: false, reason: `no signature (${protocols.map((p) => `?${p}=`).join(', ')})` };
  }
  const values = query(protocol);
  // Two values could be read differently by a front proxy and by us; refuse rather than pick one.
  if (values.length !== 1) return { ok: false, protocol, reason: `"${protocol}" is given more than once` };
  const text = values[0] as string;
  if (!HEX_MAC.test(text)) return { ok: false, protocol, reason: `"${protocol}" is not 64 hex digits` };
  if (!Number.isSafeInteger(upload.size) || upload.size < 0) {
    return { ok: false, protocol, reason: 'no usable Content-Length' };
  }
  const given = Buffer.from(text, 'hex');
  const candidates = protocol === 'v' ? [undefined] : typesToTry(upload.contentType);
  // Every candidate is computed and compared, so timing does not tell which one matched.
  let matched = false;
  for (const type of candidates) {
    const expected = mac(secret, signedMessage(protocol, upload.path, upload.size, type));
    if (timingSafeEqual(expected, given)) matched = true;
  }
  return matched
    ? { ok: true, protocol }
    : {
        ok: false,
        protocol,
        reason: `"${protocol}" does not sign this path${protocol === 'v' ? ' and size' : ', size and type'}`,
      };
}

/**
 * v2 signs the type the client named in its slot request; the PUT's header is normally that same
 * text. A client that named none in the slot but sends one on the PUT signed the default, so that
 * is tried too: path and size stay bound either way (research §1.2, "Where T comes from").
 */
function typesToTry(header: string | undefined): (string | undefined)[] {
  if (header === undefined || header === DEFAULT_CONTENT_TYPE) return [DEFAULT_CONTENT_TYPE];
  return [header, DEFAULT_CONTENT_TYPE];
}

/** Node hands header values over as latin1 strings; this gives back the bytes on the wire. */
function headerBytes(value: string): Buffer {
  // eslint-disable-next-line no-control-regex
  return /^[\u0000-\u00ff]*$/u.test(value) ? Buffer.from(value, 'latin1') : Buffer.from(value, 'utf8');
}

/** A query string's values in the form verifyUploadSignature takes. */
export function queryValues(search: URLSearchParams): QueryValues {
  return (name) => search.getAll(name);
}
