import { request } from 'node:https';
import { checkServerIdentity } from 'node:tls';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Gateway } from '../../src/server/gateway.js';

export interface ApiAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** The body parsed as JSON; undefined when it is not JSON. */
  readonly json: unknown;
}

export interface ApiCall {
  readonly method?: string;
  /** Sent as JSON unless `raw` is given. */
  readonly body?: unknown;
  readonly raw?: string | Buffer;
  readonly contentType?: string;
  readonly token?: string;
  readonly headers?: Record<string, string>;
  /** Source address on the loopback, to be another client (127.0.0.2 …). */
  readonly from?: string;
}

/** An HTTPS client for a test gateway's API that trusts exactly its certificate (no verification off). */
export class ApiClient {
  readonly #ca: string;
  readonly #base: URL;

  constructor(base: string, certFile: string) {
    this.#base = new URL(base);
    this.#ca = readFileSync(certFile, 'utf8');
  }

  static of(gateway: Gateway, configDir: string): ApiClient {
    return new ApiClient(gateway.web.url, join(configDir, 'cert.pem'));
  }

  call(path: string, call: ApiCall = {}): Promise<ApiAnswer> {
    const url = new URL(path, this.#base);
    const payload =
      call.raw ?? (call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body)));
    const headers: Record<string, string> = { ...call.headers };
    if (payload !== undefined) {
      headers['content-type'] = call.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    if (call.token !== undefined) headers['authorization'] = `Bearer ${call.token}`;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: call.method ?? (payload === undefined ? 'GET' : 'POST'),
          headers,
          ca: this.#ca,
          agent: false,
          // A Host header of the test's own names the request, not the server the certificate is for.
          checkServerIdentity: (_host, cert) => checkServerIdentity(url.hostname, cert),
          ...(call.from === undefined ? {} : { localAddress: call.from }),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Logs in and returns the token; fails the test when the login does. */
  async login(user: string, pass: string, from?: string): Promise<string> {
    const answer = await this.call('/api/login', {
      body: { user, pass },
      ...(from === undefined ? {} : { from }),
    });
    const token = (answer.json as { token?: unknown } | undefined)?.token;
    if (answer.status !== 200 || typeof token !== 'string') {
      throw new Error(`login of ${user} failed: ${answer.status} ${answer.text}`);
    }
    return token;
  }
}

/** The `{error: {code}}` of an answer, for assertions. */
export function errorCode(answer: ApiAnswer): string | undefined {
  const error = (answer.json as { error?: { code?: unknown } } | undefined)?.error;
  return typeof error?.code === 'string' ? error.code : undefined;
}

/** The `{error: {message}}` of an answer, for assertions. */
export function errorMessage(answer: ApiAnswer): string {
  const error = (answer.json as { error?: { message?: unknown } } | undefined)?.error;
  return typeof error?.message === 'string' ? error.message : answer.text;
}
