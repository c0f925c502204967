import http from 'node:http';

/** What the running server answered, or why none did (then the command reads the store). */
export type ServerAnswer =
  { readonly ok: true; readonly body: unknown } | { readonly ok: false; readonly error?: string };

/**
 * Asks the server running on this store over its control socket. No answer within a second, or no
 * socket: `{ ok: false }` without error. A refusal (unknown user …): `{ ok: false, error }`.
 */
export function askServer(
  socketPath: string,
  method: 'GET' | 'POST',
  path: string,
  timeoutMs = 1_000,
): Promise<ServerAnswer> {
  return new Promise((resolve) => {
    const req = http.request({ socketPath, method, path, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          resolve({ ok: false, error: 'the server answered something that is not JSON' });
          return;
        }
        if (res.statusCode === 200) resolve({ ok: true, body });
        else {
          const error = (body as { error?: unknown }).error;
          resolve({
            ok: false,
            error: typeof error === 'string' ? error : `status ${res.statusCode ?? '?'}`,
          });
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ ok: false }));
    req.end();
  });
}
