import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, LOOPBACK, OUT_DIR, PROXY_CORE, RUN_DIR } from '../lib/layout.js';
import { accepts, startServer, waitForPort, type Running } from '../lib/processes.js';
import { writableDirFor } from '../lib/templates.js';

/**
 * Squid 5.7 beside pmproxy, as bench/lib/targets.ts starts it (bench/conf/squid.conf.in, one worker,
 * no cache, pinned to the proxy core) but on a section's own port and origin, with its logs and pid
 * file in a folder of its own: another section (or `npm run bench`) may run a Squid of its own.
 */
export async function startSquidOn(section: string, port: number, originPort: number): Promise<Running> {
  const name = `squid-${section}`;
  if (await accepts(LOOPBACK, port)) throw new Error(`${name}: port ${port} is already in use`);
  const dir = writableDirFor(name, 'proxy', 'proxy');
  const template = readFileSync(join(BENCH_DIR, 'conf', 'squid.conf.in'), 'utf8');
  const text = template
    .replaceAll('{{out}}/squid/', `${dir}/`)
    .replaceAll('{{out}}/squid', dir)
    .replaceAll('{{port}}', String(port))
    .replaceAll('{{originPort}}', String(originPort))
    .replaceAll('{{out}}', OUT_DIR)
    // The bench's clients come from 127.0.0.2 … as well as 127.0.0.1 (Squid's "localhost").
    .replace(
      'http_access allow localhost\n',
      'http_access allow localhost\nacl loopback_clients src 127.0.0.0/8\nhttp_access allow loopback_clients\n',
    );
  if (!text.includes('loopback_clients')) throw new Error('bench/conf/squid.conf.in changed shape');
  mkdirSync(RUN_DIR, { recursive: true });
  const conf = join(RUN_DIR, `${name}.conf`);
  writeFileSync(conf, text);
  const squid = startServer(name, PROXY_CORE, 'squid', ['-N', '-f', conf]);
  await waitForPort(squid, LOOPBACK, port, 30_000);
  return squid;
}

/** Squid stops at once on SIGINT (shutdown_lifetime 0); SIGTERM would be the same with a wait. */
export const SQUID_STOP_SIGNAL: NodeJS.Signals = 'SIGINT';
