import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { EX_CONFIG } from '../config/issues.js';
import { loadConfig } from '../config/load.js';
import { CONTROL_SOCKET_NAME } from '../server/control-socket.js';
import type { ReloadResult } from '../server/gateway.js';
import { runningPid } from '../server/pid-file.js';
import { askServer } from './admin/ask-server.js';
import { checkConfig } from './check-config.js';
import { CommandError } from './command-error.js';
import { configDirFrom } from './config-dir.js';

/** A reload builds every manager again; a large configuration may take some seconds. */
const RELOAD_TIMEOUT_MS = 60_000;

/**
 * `pmproxy reload [--config DIR]`: the running server on this configuration reloads it, as on
 * SIGHUP, and the result is printed: applied, or refused with the same messages as at start. A
 * configuration check-config refuses is not sent at all. The server is asked over its control
 * socket, which answers with the result; without one (an older server), the pid file beside the
 * store names the process to send SIGHUP to, and its log has the result.
 */
export async function runReload(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string', short: 'c' } },
    strict: true,
  });
  const dir = configDirFrom(values.config);
  const check = await checkConfig(dir);
  if (!check.ok) {
    process.stderr.write(check.output);
    process.stderr.write('pmproxy: reload not asked for: the running server keeps its configuration\n');
    return EX_CONFIG;
  }
  const config = loadConfig(dir);
  const folder = dirname(config.server.store.path);
  const asked = await askServer(join(folder, CONTROL_SOCKET_NAME), 'POST', '/v1/reload', RELOAD_TIMEOUT_MS);
  if (asked.ok) {
    const result = asked.body as ReloadResult;
    const out = result.ok ? process.stdout : process.stderr;
    for (const m of result.messages) out.write(`${m}\n`);
    out.write(
      result.ok ? 'pmproxy: configuration reloaded\n' : 'pmproxy: reload refused, old configuration kept\n',
    );
    return result.ok ? 0 : EX_CONFIG;
  }
  if (asked.error !== undefined) throw new CommandError(`the server did not reload: ${asked.error}`);
  const pid = runningPid(folder);
  if (pid === undefined) {
    throw new CommandError(
      `no server runs on ${config.server.store.path} (no control socket, no live pid file)`,
    );
  }
  process.kill(pid, 'SIGHUP');
  process.stdout.write(
    `pmproxy: sent SIGHUP to process ${pid}; its log says whether the reload was applied\n`,
  );
  return 0;
}
