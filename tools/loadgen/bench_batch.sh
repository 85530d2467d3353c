#!/usr/bin/env bash
# Throughput of the batch streams: DueReplenishments (target 50,000
# customers/s on 2 cores) and StreamPersonalPicks (target 10,000
# customers/s at limit 10), through the real CLI (which writes JSON lines)
# against a server on 127.0.0.1, on a generated shop.
#
#   tools/loadgen/bench_batch.sh [--customers 200000] [--items 5000]
#                                [--runs 3] [--picks 50000] [--keep]
#                                [--snapshots DIR --ids FILE]
#                                [--server-args "--picks-ranker weights"]
#
# Prints wall time, customers/s and the server's CPU seconds per run (the
# CPU time is the steadier number on a shared machine).
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/loadgen/bench_common.sh
customers=200000 items=5000 runs=3 picks=50000 keep=0 snapshots="" ids=""
server_args=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --customers) customers=$2; shift 2 ;;
    --items) items=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --picks) picks=$2; shift 2 ;;
    --snapshots) snapshots=$2; shift 2 ;;
    --ids) ids=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --server-args) server_args=$2; shift 2 ;;
    *) echo "unknown flag $1" >&2; exit 1 ;;
  esac
done
bench_init boomerang-bench-batch
bin=build/bin
if [[ -z "$snapshots" ]]; then
  echo "== generating a shop: $items items, $customers customers"
  $bin/boomerang-demo-shop --out "$work/shop" --items "$items" \
    --customers "$customers" --gzip-level 1 > /dev/null
  /usr/bin/time -f "indexer: %e s wall, %M KiB peak" $bin/boomerang-indexer \
    --purchases "$work/shop/orders.csv.gz" --catalog "$work/shop/catalog.csv" \
    --out "$work/snaps" --quiet > /dev/null
  snapshots="$work/snaps"
  zcat "$work/shop/orders.csv.gz" | awk -F, 'NR>1 && $2!="" {print $2}' |
    sort -u > "$work/ids.txt"
  ids="$work/ids.txt"
fi
head -n "$picks" "$ids" > "$work/picks_ids.txt"
# shellcheck disable=SC2086  # server_args is a list of flags
$bin/boomerang-server --snapshots "$snapshots" --port 0 $server_args \
  --port-file "$work/port" > "$work/server.out" 2> "$work/server.log" &
server_pid=$!
bench_wait_serving
bench_print_machine
cpu() { awk '{print ($14+$15)/100}' "/proc/$server_pid/stat"; }
total=$(wc -l < "$ids")
as_of=$(jq -r '.data_end' "$snapshots"/*/manifest.json | tail -1)
echo "== $total customers, as_of $as_of"
run() {  # name count command...
  local name=$1 count=$2; shift 2
  local c0 c1 t0 t1
  c0=$(cpu); t0=$(date +%s.%N)
  "$@"
  t1=$(date +%s.%N); c1=$(cpu)
  awk -v n="$name" -v k="$count" -v t0="$t0" -v t1="$t1" -v c0="$c0" -v c1="$c1" \
    'BEGIN {printf "%-14s %8d customers %7.2f s %9.0f customers/s  server cpu %6.2f s (%.1f us/customer)\n",
            n, k, t1-t0, k/(t1-t0), c1-c0, (c1-c0)*1e6/k}'
}
for r in $(seq "$runs"); do
  run due "$total" $bin/boomerang --server "$server" due --as-of "$as_of" \
    --out "$work/due.jsonl" --quiet
done
echo "due: $(wc -l < "$work/due.jsonl") customers with items due"
for r in $(seq "$runs"); do
  run batch-picks "$(wc -l < "$work/picks_ids.txt")" $bin/boomerang --server "$server" \
    batch-picks --ids "$work/picks_ids.txt" --limit 10 --as-of "$as_of" \
    --out "$work/picks.jsonl" --quiet
done
echo "server resident: $(awk '/VmRSS/ {printf "%.0f MiB", $2/1024}' /proc/$server_pid/status)"
