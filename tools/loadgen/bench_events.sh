#!/usr/bin/env bash
# Live event ingestion (issue #5): RecordEvents calls of 1 and of 20 view
# events, closed loop with 1 and 64 callers, each event with its own
# idempotency key and synced to disk before the answer. With
# --baseline-server BIN the same runs go against that boomerang-server
# binary too (e.g. a build from before a change), in the same run.
#
#   tools/loadgen/bench_events.sh [--duration 5] [--baseline-server BIN]
#                                 [--keep]
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/loadgen/bench_common.sh
duration=5 baseline="" keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --baseline-server) baseline=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "unknown flag $1" >&2; exit 1 ;;
  esac
done
bench_init boomerang-bench-events
bin=build/bin
$bin/boomerang-demo-shop --out "$work/shop" > /dev/null
$bin/boomerang-indexer --purchases "$work/shop/orders.csv.gz" \
  --catalog "$work/shop/catalog.csv" --out "$work/snaps" --quiet \
  --no-embeddings > /dev/null
awk -F, 'NR > 1 {print $1}' "$work/shop/catalog.csv" > "$work/items.txt"
bench_print_machine
echo "disk        $(df -h "$work" | awk 'NR == 2 {print $1}') (events directory in $work)"
run_server() {  # server binary, label
  local server_bin=$1 label=$2
  rm -rf "$work/events" "$work/port"
  "$server_bin" --snapshots "$work/snaps" --port 0 --port-file "$work/port" \
    --poll-seconds 0 --events-dir "$work/events" > /dev/null 2> "$work/server.log" &
  server_pid=$!
  bench_wait_serving
  for per_call in 1 20; do
    for callers in 1 64; do
      echo "== $label: $per_call event(s) per call, $callers caller(s)"
      # A pool of distinct calls larger than a run sends: no key repeats.
      pool=$(( per_call == 1 ? 400000 : 60000 ))
      $bin/boomerang-loadgen --server "$server" --rpc events --items "$work/items.txt" \
        --items-per-request "$per_call" --concurrency "$callers" --duration "$duration" \
        --warmup 1 --deadline-ms 10000 --pool "$pool" --seed "$RANDOM" |
        grep -E "requests|errors|achieved|latency"
    done
  done
  kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
  echo "events stored: $(du -sh "$work/events" | cut -f1)"
}
if [[ -n "$baseline" ]]; then run_server "$baseline" "baseline ($baseline)"; fi
run_server "$bin/boomerang-server" "this build"
