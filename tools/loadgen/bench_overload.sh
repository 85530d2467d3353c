#!/usr/bin/env bash
# Overload (issue #5): PersonalPicks at half and at twice the saturation
# rate, with the server's admission control (the defaults) and without it
# (--max-queued 0 --max-queue-ms 0), same run. Saturation is measured first
# (closed loop). The server runs on the first half of the cores and the load
# generator on the other half (taskset), so that the generator does not
# steal the server's CPU and fall behind its schedule.
#
#   tools/loadgen/bench_overload.sh [--items 5000] [--customers 50000]
#                                   [--duration 10] [--keep]
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/loadgen/bench_common.sh
items=5000 customers=50000 duration=10 keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --items) items=$2; shift 2 ;;
    --customers) customers=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "unknown flag $1" >&2; exit 1 ;;
  esac
done
bench_init boomerang-bench-overload
bin=build/bin
$bin/boomerang-demo-shop --out "$work/shop" --items "$items" --customers "$customers" \
  --gzip-level 1 > /dev/null
$bin/boomerang-indexer --purchases "$work/shop/orders.csv.gz" \
  --catalog "$work/shop/catalog.csv" --out "$work/snaps" --quiet > /dev/null
zcat "$work/shop/orders.csv.gz" | awk -F, 'NR>1 && $2!="" {print $2}' |
  sort -u > "$work/all_customers.txt"
awk 'NR <= 20000' "$work/all_customers.txt" > "$work/customers.txt"
bench_print_machine
ncpu=$(nproc)
if [[ $ncpu -ge 2 ]]; then
  half=$((ncpu / 2))
  server_cpus="0-$((half - 1))" client_cpus="$half-$((ncpu - 1))"
  echo "server on cpus $server_cpus, load generator on cpus $client_cpus"
  pin_server=(taskset -c "$server_cpus") pin_client=(taskset -c "$client_cpus")
else
  echo "one cpu: server and load generator share it"
  pin_server=() pin_client=()
fi
start_server() {  # extra flags
  rm -f "$work/port"
  "${pin_server[@]}" $bin/boomerang-server --snapshots "$work/snaps" --port 0 --port-file "$work/port" \
    --poll-seconds 0 "$@" > "$work/server.out" 2> "$work/server.log" &
  server_pid=$!
  bench_wait_serving
}
stop_server() { kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""; }
load() {  # loadgen flags
  "${pin_client[@]}" $bin/boomerang-loadgen --server "$server" --rpc picks --customers "$work/customers.txt" \
    --duration "$duration" --warmup 1 --deadline-ms 1000 "$@"
}
start_server --max-queued 0 --max-queue-ms 0  # its raw capacity
echo "== saturation: closed loop, concurrency 64, no admission control"
sat_out=$(load --concurrency 64)
echo "$sat_out"
sat=$(awk '/^achieved/ {print $2}' <<< "$sat_out")
stop_server
for mode in "admission control (defaults)|" \
            "no limit (--max-queued 0 --max-queue-ms 0)|--max-queued 0 --max-queue-ms 0"; do
  start_server ${mode##*|}
  for factor in 0.5 2; do
    rate=$(awk -v s="$sat" -v f="$factor" 'BEGIN {printf "%.0f", f * s}')
    echo "== $rate QPS (${factor}x saturation), ${mode%%|*}"
    load --qps "$rate" --concurrency 100000 |
      grep -E "requests|errors|achieved|latency|ok calls|refused|warning"
  done
  stop_server
done
