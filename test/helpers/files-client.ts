import { request, type RequestOptions } from 'node:https';
import { macHex, signedMessage, type UploadProtocol } from '../../src/files/signature.js';
import type { Gateway } from '../../src/server/gateway.js';
import { testServerToml } from './gateway.js';

export const SECRET = 'this is a secret string!';
export const MANAGERS = 'rule = "true"\n[policy]\nupload = "signed"\n[[hmacUpload]]\nname = "signed"\n';

export function filesToml(extra = ''): string {
  return `${testServerToml()}[files]
secret = ${JSON.stringify(SECRET)}
storeDir = "files"
maxSize = "1 MB"
minFreeDisk = "0"
allowedExtensions = [".jpg", ".txt", ".bin", ".tar.gz"]
${extra}`;
}

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  readonly bytes: Buffer;
}

export interface Put {
  readonly method?: string;
  readonly body?: Buffer;
  readonly headers?: Record<string, string>;
  /** Send the headers only, then this many body bytes, then cut the connection. */
  readonly cutAfter?: number;
  /** The client's own address (127.0.0.2 …), so distinct clients are distinct addresses. */
  readonly from?: string;
}

export class Client {
  constructor(
    readonly gateway: Gateway,
    readonly ca: string,
  ) {}

  /** `rawPath` goes on the request line as is: no URL parser removes its dot segments. */
  send(rawPath: string, put: Put = {}): Promise<Answer> {
    const url = new URL(this.gateway.web.url);
    const body = put.body ?? Buffer.alloc(0);
    const headers: Record<string, string> = { 'content-length': String(body.length), ...put.headers };
    // An empty value means: send no Content-Length at all.
    if (headers['content-length'] === '') delete headers['content-length'];
    const options: RequestOptions = {
      host: url.hostname,
      port: url.port,
      path: rawPath,
      method: put.method ?? 'PUT',
      ca: this.ca,
      headers,
      agent: false,
      ...(put.from === undefined ? {} : { localAddress: put.from }),
    };
    return new Promise((resolve, reject) => {
      const req = request(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
            bytes: Buffer.concat(chunks),
          }),
        );
      });
      req.on('error', reject);
      if (put.cutAfter !== undefined) {
        req.flushHeaders();
        req.write(body.subarray(0, put.cutAfter), () => {
          setTimeout(() => {
            req.destroy();
            resolve({ status: 0, headers: {}, text: 'cut', bytes: Buffer.alloc(0) });
          }, 100);
        });
        return;
      }
      req.end(body);
    });
  }
}

/** The PUT URL an XMPP server hands out: Prosody's urlencode of each part, and the MAC. */
export function slot(
  parts: string[],
  size: number,
  protocol: UploadProtocol = 'v',
  type?: string,
): { url: string; signed: string } {
  const signed = parts.join('/');
  const mac = macHex(SECRET, signedMessage(protocol, signed, size, type));
  const encoded = parts.map((p) =>
    encodeURIComponent(p).replace(/[!'()*]/gu, (c) => `%${c.charCodeAt(0).toString(16)}`),
  );
  return { url: `/upload/${encoded.join('/')}?${protocol}=${mac}`, signed };
}
