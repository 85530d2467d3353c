#!/usr/bin/env bash
# Reading live events on the request path (issue 11): PersonalPicks and
# CrossSell for customers who have live events, against a server that keeps
# them (--events-dir). First RecordEvents gives each of --customers demo
# customers about --events-per-customer view events (20 per call), then
# boomerang-loadgen measures PersonalPicks and CrossSell for those customers:
# open loop at --qps, then closed loop at concurrency 32. With
# --baseline-server BIN the same runs go against that binary too (e.g. one
# that read the event store per request), in the same run.
#
#   tools/loadgen/bench_live_reads.sh [--baseline-server BIN] [--customers 2000]
#       [--events-per-customer 50] [--qps 500] [--duration 10] [--keep]
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/loadgen/bench_common.sh
baseline="" keep=0 ncustomers=2000 per_customer=50 qps=500 duration=10
while [[ $# -gt 0 ]]; do
  case "$1" in
    --baseline-server) baseline=$2; shift 2 ;;
    --customers) ncustomers=$2; shift 2 ;;
    --events-per-customer) per_customer=$2; shift 2 ;;
    --qps) qps=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "unknown flag $1" >&2; exit 1 ;;
  esac
done
bench_init boomerang-bench-live-reads
bin=build/bin
$bin/boomerang-demo-shop --out "$work/shop" > /dev/null
$bin/boomerang-indexer --purchases "$work/shop/orders.csv.gz" \
  --catalog "$work/shop/catalog.csv" --out "$work/snaps" --quiet > /dev/null
awk -F, 'NR > 1 {print $1}' "$work/shop/catalog.csv" > "$work/items.txt"
zcat "$work/shop/orders.csv.gz" | awk -F, 'NR > 1 && $2 != "" {print $2}' |
  sort -u | shuf -n "$ncustomers" --random-source=<(yes) > "$work/customers.txt"
bench_print_machine
calls=$(( ncustomers * per_customer / 20 ))
# Sent open loop at 500 calls/s, so that both servers get the same events.
event_seconds=$(( (calls + 499) / 500 ))
echo "events      $(( event_seconds * 500 )) RecordEvents calls of 20 views over $(wc -l < "$work/customers.txt") customers"
summary() {  # label, loadgen JSON line
  jq -r --arg l "$1" '"\($l): \(.qps | floor) QPS, p50 \(.latency_us.p50) us, p99 \(.latency_us.p99) us, errors \(([.errors[]] | add) // 0)"' <<< "$2"
}
run_server() {  # server binary, label
  local server_bin=$1 label=$2
  rm -rf "$work/events" "$work/port"
  "$server_bin" --snapshots "$work/snaps" --port 0 --port-file "$work/port" \
    --poll-seconds 0 --events-dir "$work/events" > /dev/null 2> "$work/server.log" &
  server_pid=$!
  bench_wait_serving
  echo "== $label"
  $bin/boomerang-loadgen --server "$server" --rpc events --items "$work/items.txt" \
    --customers "$work/customers.txt" --items-per-request 20 --concurrency 16 \
    --qps 500 --duration "$event_seconds" --warmup 0 --pool $(( event_seconds * 500 + 1000 )) \
    --deadline-ms 10000 --seed 7 --json | jq -r '"recorded: \(.ok // .requests) calls ok, errors \(([.errors[]] | add) // 0)"' 
  for rpc in picks crosssell; do
    args=(--rpc "$rpc" --customers "$work/customers.txt" --json)
    [[ $rpc == crosssell ]] && args+=(--items "$work/items.txt" --items-per-request 2)
    summary "$rpc open ${qps} QPS" "$($bin/boomerang-loadgen --server "$server" "${args[@]}" \
      --qps "$qps" --concurrency 64 --duration "$duration" --warmup 2 | tail -1)"
    summary "$rpc closed c32" "$($bin/boomerang-loadgen --server "$server" "${args[@]}" \
      --qps 0 --concurrency 32 --duration "$duration" --warmup 2 | tail -1)"
  done
  kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
}
if [[ -n "$baseline" ]]; then run_server "$baseline" "baseline ($baseline)"; fi
run_server "$bin/boomerang-server" "this build"
