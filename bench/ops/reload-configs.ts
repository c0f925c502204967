import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR } from '../lib/layout.js';
import { benchManagers } from './instance.js';

/**
 * The configurations the reloads section alternates between: two good ones that differ in a
 * harmless setting, so that each reload really builds (and each Squid reconfigure really parses)
 * something new, and a broken one for every 10th reload, which must be refused with the running
 * configuration kept.
 */

export type Variant = 'even' | 'odd' | 'broken';

/** Reload `number` (1-based) of a series: every 10th broken, the others alternating. */
export function variantOf(number: number): Variant {
  if (number % 10 === 0) return 'broken';
  return number % 2 === 0 ? 'even' : 'odd';
}

/** Written beside and renamed over, so that a reload never reads half a file. */
export function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.next`, text);
  renameSync(`${path}.next`, path);
}

const BENCH_RULE = 'rule = "auth ∧ down"';
const BENCH_REALM = 'realm = "pmproxy bench"';

/** bench/config's managers.toml in each variant: the realm changes; broken names an unknown manager. */
export function pmproxyManagers(): Record<Variant, string> {
  const text = benchManagers();
  if (!text.includes(BENCH_RULE) || !text.includes(BENCH_REALM)) {
    throw new Error(`bench/config/managers.toml changed shape: no ${BENCH_RULE} or ${BENCH_REALM}`);
  }
  return {
    even: text,
    odd: text.replace(BENCH_REALM, 'realm = "pmproxy bench (reloaded)"'),
    broken: text.replace(BENCH_RULE, 'rule = "auth ∧ down ∧ no_such_manager"'),
  };
}

export interface SquidPaths {
  /** Where its logs and pid file go (handed to the user "proxy"). */
  readonly dir: string;
  readonly port: number;
  /** The ports CONNECT may reach. */
  readonly connectPorts: readonly number[];
}

/**
 * bench/conf/squid.conf.in for the section's ports and folder, in each variant: connect_timeout
 * changes; broken allows an ACL that does not exist (Squid: "FATAL: Bungled … ACL not found").
 */
export function squidConfs(paths: SquidPaths): Record<Variant, string> {
  const template = readFileSync(join(BENCH_DIR, 'conf', 'squid.conf.in'), 'utf8');
  const originAcl = 'acl origin_port port {{originPort}}';
  if (!template.includes(originAcl))
    throw new Error(`bench/conf/squid.conf.in changed shape: no ${originAcl}`);
  const text = template
    .replace(originAcl, `acl origin_port port ${paths.connectPorts.join(' ')}`)
    .replaceAll('{{out}}/squid', paths.dir)
    .replaceAll('{{port}}', String(paths.port));
  return {
    even: `${text}connect_timeout 1 minute\n`,
    odd: `${text}connect_timeout 61 seconds\n`,
    broken: `${text}http_access allow no_such_acl\n`,
  };
}
