# Sourced by bench/run.sh and bench/files.sh (which set $out): what every bench does before it starts
# a process, and after it ends, so that no server outlives a run and two benches never share the
# machine (or stop each other's processes); and the launch steps both share.

pids=$out/run/pids

# Holds bench/out/run/bench.lock for as long as this shell runs; a second bench refuses to start
# rather than skew this one's figures and, on its way out, stop this one's servers.
take_bench_lock() {
  command -v flock >/dev/null || { echo "bench: flock is missing (apt-get install util-linux)" >&2; exit 1; }
  mkdir -p "$out/run"
  exec 9>"$out/run/bench.lock"
  if ! flock -n 9; then
    echo "bench: another bench is running (bench/out/run/bench.lock is held); wait for it to end" >&2
    exit 1
  fi
}

# Stops what the bench left behind: each file in $pids is named by a PID and holds the process's
# start time, so a PID the kernel has since given to another process is left alone.
stop_leftovers() {
  local file pid started now
  for file in "$pids"/*; do
    [[ -e $file ]] || continue
    pid=${file##*/}
    started=$(cut -d' ' -f1 "$file")
    now=$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$pid/stat" 2>/dev/null || true)
    if [[ -n $now && $now == "$started" ]]; then
      echo "bench: stopping leftover $(cut -d' ' -f2- "$file") (pid $pid)" >&2
      kill -TERM "$pid" 2>/dev/null || true
      sleep 1
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$file"
  done
}

# Exits with an install hint when one of the programs is missing.
# require_programs "apt-get install …" "a second hint line" program...
require_programs() {
  local hint=$1 more=$2 program missing=()
  shift 2
  for program in "$@"; do
    command -v "$program" >/dev/null || missing+=("$program")
  done
  if ((${#missing[@]} > 0)); then
    echo "bench: missing ${missing[*]}; on Debian: $hint" >&2
    echo "       $more" >&2
    exit 1
  fi
}

# Sets $quick and $build from the bench's arguments (the rest are the TypeScript entry point's).
read_bench_flags() {
  local arg
  quick=false build=true
  for arg in "$@"; do
    case $arg in
      --quick) quick=true ;;
      --no-build) build=false ;;
      -h | --help) build=false ;;
    esac
  done
}

# npm run build, unless --no-build; a failed build is reported and the bench measures dist/ as is.
build_dist() {
  $build || return 0
  echo "bench: npm run build (log: $out/logs/build.log)"
  if ! npm run build >"$out/logs/build.log" 2>&1; then
    echo "bench: warning: npm run build failed; measuring whatever dist/ holds:" >&2
    tail -n 5 "$out/logs/build.log" | sed 's/^/    /' >&2
  fi
}

# Runs the TypeScript entry point on the load core (the bench itself waits there, never on the
# server's core), within an hour (20 minutes with --quick); exits with its status.
run_entry_point() {
  local entry=$1 pin=() limit=3600 status=0
  shift
  if (($(nproc) >= 2)); then pin=(taskset -c 0); fi
  if $quick; then limit=1200; fi
  "${pin[@]}" timeout -k 10 "$limit" node --import tsx "$entry" "$@" || status=$?
  if ((status == 124)); then echo "bench: stopped after ${limit}s" >&2; fi
  exit "$status"
}
