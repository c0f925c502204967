#!/usr/bin/env bash
# npm run bench:files [-- --quick] [-- --size 64M] [-- --runs N] [-- --cold] [-- --no-https] [-- --no-build]
#
# Uploads and downloads one file (1 GiB by default) through pmproxy's file server, against dd writing
# and reading the same bytes and nginx taking the same PUT and serving the same GET, in one run. The
# server under test (nginx, pmproxy, or dd itself) runs alone on core 1; curl and the bench on core 0.
# Everything listens on 127.0.0.1. Every process the bench starts is stopped when it ends, however it
# ends (bench/files.ts stops them; the EXIT trap below stops any it could not). See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

out=bench/out
# shellcheck source=bench/lib/pids.sh
source bench/lib/pids.sh
take_bench_lock
trap stop_leftovers EXIT

require_programs "apt-get install nginx-light curl coreutils util-linux time" \
  "(stop the nginx service the package starts, the bench runs its own)" \
  nginx curl dd taskset /usr/bin/time
read_bench_flags "$@"

mkdir -p "$out/logs" "$pids"
stop_leftovers
build_dist
run_entry_point bench/files.ts "$@"
