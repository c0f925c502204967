import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { BENCH_DIR, OUT_DIR, ORIGIN_PORT, RUN_DIR } from './layout.js';

/** Fills bench/conf/<name>.conf.in ({{out}}, {{port}}, {{originPort}}) into bench/out/run/<name>.conf. */
export function renderConf(name: string, port: number): string {
  const template = readFileSync(join(BENCH_DIR, 'conf', `${name}.conf.in`), 'utf8');
  const text = template
    .replaceAll('{{out}}', OUT_DIR)
    .replaceAll('{{port}}', String(port))
    .replaceAll('{{originPort}}', String(ORIGIN_PORT));
  mkdirSync(RUN_DIR, { recursive: true });
  const path = join(RUN_DIR, `${name}.conf`);
  writeFileSync(path, text);
  return path;
}

/**
 * A folder under bench/out that a server which drops root (Squid to "proxy", tinyproxy to
 * "nobody") can write its logs and pid file into.
 */
export function writableDirFor(name: string, user: string, group: string): string {
  const dir = join(OUT_DIR, name);
  mkdirSync(dir, { recursive: true });
  if (userInfo().uid === 0) {
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('getent', ['group', group], { encoding: 'utf8' }).split(':')[2]);
    chownSync(dir, uid, gid);
  }
  return dir;
}
