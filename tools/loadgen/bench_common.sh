# Shared by bench_fbt.sh and bench_rpcs.sh (sourced, not run).
#
# bench_init NAME: makes the scratch directory $work (/tmp/NAME.XXXXXX) and
# arranges for the server in $server_pid to be stopped, and $work removed
# (unless $keep is 1), whatever way the script ends.
# bench_print_machine: the machine facts every benchmark result needs.
# bench_wait_serving: waits (up to 60 s) for the server started with
# --port-file $work/port to answer SERVING, then sets $server (host:port).

bench_cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ $keep -eq 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi
}

bench_init() {
  work=$(mktemp -d "/tmp/$1.XXXXXX")
  server_pid=""
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

bench_print_machine() {
  echo "== machine"
  echo "date        $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc       $(nproc)"
  echo "cpu         $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "kernel      $(uname -r)"
  echo "memory      $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
}

bench_wait_serving() {
  for _ in $(seq 600); do
    [[ -s "$work/port" ]] && build/bin/boomerang --server "127.0.0.1:$(cat "$work/port")" \
      health 2>/dev/null | grep -q '"SERVING"' && break
    sleep 0.1
  done
  server="127.0.0.1:$(cat "$work/port")"
}
