#!/usr/bin/env bash
# Hot swap under load (issue #5): FrequentlyBoughtTogether at a steady open-
# loop rate while the server swaps snapshots 50 times (Admin.Pin alternating
# between two versions, so every swap loads a full snapshot), against the
# same load without swaps. Prints both latency reports and the error counts:
# the target is zero failed requests.
#
#   tools/loadgen/bench_swap.sh [--items 5000] [--customers 50000]
#                               [--qps 1000] [--swaps 50] [--keep]
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/loadgen/bench_common.sh
items=5000 customers=50000 qps=1000 swaps=50 keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --items) items=$2; shift 2 ;;
    --customers) customers=$2; shift 2 ;;
    --qps) qps=$2; shift 2 ;;
    --swaps) swaps=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "unknown flag $1" >&2; exit 1 ;;
  esac
done
bench_init boomerang-bench-swap
bin=build/bin
echo "== a shop of $items items, $customers customers, indexed twice (000001, 000002)"
$bin/boomerang-demo-shop --out "$work/shop" --items "$items" --customers "$customers" \
  --gzip-level 1 > /dev/null
for _ in 1 2; do
  $bin/boomerang-indexer --purchases "$work/shop/orders.csv.gz" \
    --catalog "$work/shop/catalog.csv" --out "$work/snaps" --quiet > /dev/null
done
du -sh "$work/snaps/000001" | awk '{print "snapshot size " $1}'
awk -F, 'NR>1 {print $1}' "$work/shop/catalog.csv" > "$work/items.txt"
$bin/boomerang-server --snapshots "$work/snaps" --port 0 --port-file "$work/port" \
  --poll-seconds 0 > "$work/server.out" 2> "$work/server.log" &
server_pid=$!
bench_wait_serving
bench_print_machine
load() {  # seconds
  $bin/boomerang-loadgen --server "$server" --rpc fbt --items "$work/items.txt" \
    --qps "$qps" --duration "$1" --warmup 1 --concurrency 64
}
echo "== baseline: $qps QPS for 20 s, no swaps"
load 20
# How long a swap takes here, to size the measured window to the swaps.
t0=$(date +%s.%N)
$bin/boomerang --server "$server" admin pin 1 > /dev/null
$bin/boomerang --server "$server" admin pin 2 > /dev/null
t1=$(date +%s.%N)
window=$(awk -v a="$t0" -v b="$t1" -v n="$swaps" 'BEGIN {w = n * (b - a) / 2 * 1.2 + 3; printf "%.0f", (w < 10 ? 10 : w)}')
echo "== $swaps swaps under $qps QPS (window $window s)"
swap_log="$work/swaps.txt"
(
  sleep 2  # after the load generator's warm-up
  for i in $(seq "$swaps"); do
    v=$(( i % 2 == 1 ? 1 : 2 ))
    /usr/bin/time -f "%e" -a -o "$swap_log" \
      $bin/boomerang --server "$server" admin pin "$v" > /dev/null
  done
) &
swapper=$!
load "$window" &
loader=$!
wait "$swapper"
echo "swaps done: $(wc -l < "$swap_log") pins, seconds per pin (load + check + swap):" \
  "$(sort -n "$swap_log" | awk '{a[NR]=$1} END {printf "min %.2f median %.2f max %.2f", a[1], a[int((NR+1)/2)], a[NR]}')"
wait "$loader"
$bin/boomerang --server "$server" admin status | grep -E '"(swaps|failed_loads|retired_versions|serving_version)"'
echo "server resident: $(awk '/VmRSS/ {printf "%.0f MiB", $2/1024}' /proc/$server_pid/status), peak $(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' /proc/$server_pid/status)"
