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

missing=()
for program in nginx curl dd taskset /usr/bin/time; do
  command -v "$program" >/dev/null || missing+=("$program")
done
if ((${#missing[@]} > 0)); then
  echo "bench: missing ${missing[*]}; on Debian: apt-get install nginx-light curl coreutils util-linux time" >&2
  echo "       (stop the nginx service the package starts, the bench runs its own)" >&2
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

if $build; then
  echo "bench: npm run build (log: $out/logs/build.log)"
  if ! npm run build >"$out/logs/build.log" 2>&1; then
    echo "bench: warning: npm run build failed; measuring whatever dist/ holds:" >&2
    tail -n 5 "$out/logs/build.log" | sed 's/^/    /' >&2
  fi
fi

# The bench itself waits on the load core, never on the server's.
pin=()
if (($(nproc) >= 2)); then pin=(taskset -c 0); fi
limit=3600
if $quick; then limit=1200; fi
status=0
"${pin[@]}" timeout -k 10 "$limit" node --import tsx bench/files.ts "$@" || status=$?
if ((status == 124)); then echo "bench: stopped after ${limit}s" >&2; fi
exit "$status"
