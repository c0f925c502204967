#!/usr/bin/env bash
# npm run bench:ops [-- --quick] [-- --only NAME,…] [-- --soak-minutes N] [-- --no-build]
#
# Operations under load and faults: reloads and restarts, slow and idle clients, a soak, kill -9, a
# locked store and a full disk. pmproxy (and Squid, where it has an equivalent) alone on core 1;
# nginx, the clients and the bench on core 0. See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

out=bench/out
# shellcheck source=bench/lib/pids.sh
source bench/lib/pids.sh
take_bench_lock
trap stop_leftovers EXIT

# python3: the restarts' socket-holding supervisor and the store section's lock holder; mount: the
# store section's small tmpfs (as root).
require_programs "apt-get install nginx-light squid curl util-linux slowhttptest systemd python3" \
  "(stop the services the packages start, the bench runs its own)" \
  nginx squid curl taskset flock slowhttptest systemd-socket-activate python3 mount umount
read_bench_flags "$@"

mkdir -p "$out/logs" "$pids"
stop_leftovers
# 4,000 idle keep-alive connections and 4,000 tunnels, each with an upstream socket.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

build_dist
run_entry_point bench/ops.ts "$@"
