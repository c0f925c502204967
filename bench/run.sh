#!/usr/bin/env bash
# npm run bench [-- --quick] [-- --alternatives] [-- --only squid,pmproxy] [-- --no-build]
#
# pmproxy against Squid 5.7 and the origin alone, with the method of
# shared/research/perf-security.md §A3: the proxy alone on core 1, nginx + wrk + curl on core 0.
# Everything listens on 127.0.0.1. Every process the bench starts is stopped when it ends, however
# it ends (bench/run.ts stops them; the EXIT trap below stops any it could not). See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

out=bench/out
# shellcheck source=bench/lib/pids.sh
source bench/lib/pids.sh
take_bench_lock
trap stop_leftovers EXIT

require_programs "apt-get install nginx-light squid wrk curl util-linux" \
  "(tinyproxy too for --alternatives; stop the services the packages start)" \
  nginx squid wrk curl taskset flock
read_bench_flags "$@"

mkdir -p "$out/logs" "$pids"
stop_leftovers

# 2000 idle clients, their 2000 proxy sockets and as many upstream ones.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

build_dist
run_entry_point bench/run.ts "$@"
