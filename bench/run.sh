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

missing=()
for program in nginx squid wrk curl taskset flock; do
  command -v "$program" >/dev/null || missing+=("$program")
done
if ((${#missing[@]} > 0)); then
  echo "bench: missing ${missing[*]}; on Debian: apt-get install nginx-light squid wrk curl util-linux" >&2
  echo "       (tinyproxy too for --alternatives; stop the services the packages start)" >&2
  exit 1
fi

quick=false build=true
for arg in "$@"; do
  case $arg in
    --quick) quick=true ;;
    --no-build) build=false ;;
    -h | --help) build=false ;;
  esac
done

mkdir -p "$out/logs" "$pids"
stop_leftovers

# 2000 idle clients, their 2000 proxy sockets and as many upstream ones.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

if $build; then
  echo "bench: npm run build (log: $out/logs/build.log)"
  if ! npm run build >"$out/logs/build.log" 2>&1; then
    echo "bench: warning: npm run build failed; measuring whatever dist/ holds:" >&2
    tail -n 5 "$out/logs/build.log" | sed 's/^/    /' >&2
  fi
fi

# The bench itself waits on the load core, never on the proxy's.
pin=()
if (($(nproc) >= 2)); then pin=(taskset -c 0); fi
limit=3600
if $quick; then limit=1200; fi
status=0
"${pin[@]}" timeout -k 10 "$limit" node --import tsx bench/run.ts "$@" || status=$?
if ((status == 124)); then echo "bench: stopped after ${limit}s" >&2; fi
exit "$status"
