#!/usr/bin/env bash
# Experiments and attribution (issue 14): how fast one server takes
# impressions and clicks, how long the report and a restart's rebuild take.
#
#   tools/loadgen/bench_experiments.sh [--duration 10] [--keep]
#
# On the demo shop's snapshot, a server with an event store and one
# experiment (bench_page, arms a and b). RecordEvents closed loop, 100 and 250
# events per call, 1 and 8 callers: impressions (6 items each) and clicks
# ("exposures"), against view events of the same sizes in the same run (the
# baseline: the same store, the same sync, no experiment ledger). Then
# `boomerang experiments report` over everything sent (wall time), and a
# restart: the time from start to serving, which replays the log.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/loadgen/bench_common.sh
duration=10 keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "unknown flag $1" >&2; exit 1 ;;
  esac
done
bench_init boomerang-bench-experiments
bin=build/bin
$bin/boomerang-demo-shop --out "$work/shop" > /dev/null
$bin/boomerang-indexer --purchases "$work/shop/orders.csv.gz" \
  --catalog "$work/shop/catalog.csv" --out "$work/snaps" --quiet \
  --no-embeddings > /dev/null
awk -F, 'NR > 1 {print $1}' "$work/shop/catalog.csv" > "$work/items.txt"
cat > "$work/server.toml" <<'TOML'
[[experiments]]
name = "bench"
placement = "bench_page"
  [[experiments.arms]]
  name = "a"
  share = 1
  [[experiments.arms]]
  name = "b"
  share = 1
TOML
bench_print_machine
echo "commit      $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (+ local changes)')"
start_server() {
  rm -f "$work/port"
  local t0; t0=$(date +%s.%N)
  $bin/boomerang-server --snapshots "$work/snaps" --port 0 --port-file "$work/port" \
    --poll-seconds 0 --events-dir "$work/events" --config "$work/server.toml" \
    > /dev/null 2> "$work/server.log" &
  server_pid=$!
  bench_wait_serving
  echo "serving after $(echo "$(date +%s.%N) - $t0" | bc) s"
}
start_server
for per_call in 100 250; do
  for callers in 1 8; do
    for kind in events exposures; do
      echo "== $kind: $per_call events per call, $callers caller(s)"
      $bin/boomerang-loadgen --server "$server" --rpc "$kind" --items "$work/items.txt" \
        --items-per-request "$per_call" --concurrency "$callers" --duration "$duration" \
        --warmup 1 --deadline-ms 10000 --pool 12000 --seed "$RANDOM" |
        grep -E "requests|errors|achieved|latency" || true
    done
  done
done
echo "== report"
/usr/bin/time -f "report: %e s wall, client %M KiB" \
  $bin/boomerang --server "$server" --timeout-ms 600000 experiments report > "$work/report.json"
jq -r '"events counted: \(.events); bench_page impressions: \([.placements[] | select(.placement == "bench_page") | .arms[].impressions | tonumber] | add)"' "$work/report.json"
grep -E "VmRSS|VmHWM" "/proc/$server_pid/status" | tr -s ' \t' ' '
echo "== restart (replays the event log)"
kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
echo "events stored: $(du -sh "$work/events" | cut -f1)"
start_server
grep -E "VmRSS|VmHWM" "/proc/$server_pid/status" | tr -s ' \t' ' '
