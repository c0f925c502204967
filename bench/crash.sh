#!/usr/bin/env bash
# npm run bench:crash [-- --quick] [-- --runs N] [-- --no-build]
#
# What a kill -9 costs the accounting (bytes delivered against bytes persisted during a 10 MiB/s
# download through pmproxy), and what writing consumption every second costs a GET through it. pmproxy
# runs alone on core 1; nginx, curl, the paced origin and the bench on core 0. See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

out=bench/out
# shellcheck source=bench/lib/pids.sh
source bench/lib/pids.sh
take_bench_lock
trap stop_leftovers EXIT

require_programs "apt-get install nginx-light curl util-linux" \
  "(stop the nginx service the package starts, the bench runs its own)" \
  nginx curl taskset
read_bench_flags "$@"

mkdir -p "$out/logs" "$pids"
stop_leftovers
build_dist
run_entry_point bench/crash-loss.ts "$@"
