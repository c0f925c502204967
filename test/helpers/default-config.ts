import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './gateway.js';

/**
 * A copy of the repository's config/ (the embedded default, as `npm start` runs it) with what a
 * test needs changed in server.toml only: every listener on port 0, the data folder inside the copy,
 * loopback origins reachable, and `[store] consumptionInterval` as given.
 */
export function copyDefaultConfig(consumptionInterval = '1s'): { dir: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'pmproxy-default-'));
  const dir = join(root, 'config');
  cpSync(join(repoRoot, 'config'), dir, { recursive: true });
  const server = readFileSync(join(dir, 'server.toml'), 'utf8')
    .replace(/addr = "127\.0\.0\.1:\d+"/gu, 'addr = "127.0.0.1:0"')
    .replace(/^ {2}# allowInternal = /mu, '  allowInternal = ')
    .replace(/consumptionInterval = "[^"]*"/u, `consumptionInterval = "${consumptionInterval}"`);
  writeFileSync(join(dir, 'server.toml'), server);
  return { dir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * GET `url` through the proxy, with Basic proxy credentials when `user` is given, from `from`
 * (default 127.0.0.1); the status and the body's length.
 */
export function getThroughProxy(
  proxyPort: number,
  url: string,
  user?: string,
  pass = '',
  from = '127.0.0.1',
): Promise<{ status: number; bytes: number }> {
  const headers: Record<string, string> =
    user === undefined
      ? {}
      : { 'Proxy-Authorization': `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: proxyPort, path: url, localAddress: from, headers },
      (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
