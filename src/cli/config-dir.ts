import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** `--config DIR`, else $PMPROXY_CONFIG, else ~/.config/pmproxy (where the Go original looked). */
export function configDirFrom(flag: string | undefined): string {
  return resolve(flag ?? process.env['PMPROXY_CONFIG'] ?? join(homedir(), '.config', 'pmproxy'));
}
