import { join, resolve } from 'node:path';

/** Where the bench lives and writes; bench/out/ is not committed. */
export const BENCH_DIR = resolve(import.meta.dirname, '..');
export const REPO_DIR = resolve(BENCH_DIR, '..');
export const OUT_DIR = join(BENCH_DIR, 'out');
export const LOG_DIR = join(OUT_DIR, 'logs');
export const RUN_DIR = join(OUT_DIR, 'run');
/** One file per process the bench started, named by PID and holding its start time: run.sh's EXIT trap stops what is left. */
export const PID_DIR = join(RUN_DIR, 'pids');
export const WWW_DIR = join(OUT_DIR, 'www');
export const RESULTS_FILE = join(OUT_DIR, 'results.json');

export const LOOPBACK = '127.0.0.1';
/** The nginx origin; abs.lua, bench/config and the squid/tinyproxy templates name the same port. */
export const ORIGIN_PORT = 18080;
export const ORIGIN = `${LOOPBACK}:${ORIGIN_PORT}`;

/** Cores (perf-security.md §A3.1): the proxy under test alone on one, everything else on the other. */
export const PROXY_CORE = 1;
export const LOAD_CORE = 0;

export const SMALL_FILE = 'small.txt';
export const SMALL_FILE_BYTES = 128;
