# Sourced by bench/run.sh and bench/files.sh (which set $out): what every bench does before it starts
# a process, and after it ends, so that no server outlives a run and two benches never share the
# machine (or stop each other's processes).

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
