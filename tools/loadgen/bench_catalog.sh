#!/usr/bin/env bash
# The live catalog (issue 13): UpdateItems throughput, and the list RPCs'
# latency with catalog overrides applied. On the demo shop's snapshot, a
# server with --events-dir:
#   1. FrequentlyBoughtTogether, SimilarItems and Upsell open loop at --qps
#      (no overrides: the baseline);
#   2. `boomerang catalog push` of --updates price/stock changes of known
#      items (each item several times, 10,000 per call, one caller: what a
#      nightly feed does), timed: items/s;
#   3. the same list runs again, now with every catalog item overridden
#      (a tenth of them sold out);
#   4. a push of --new-items new items (title + category), timed.
#
#   tools/loadgen/bench_catalog.sh [--shop-items 300] [--updates 200000]
#       [--new-items 2000] [--qps 500] [--duration 10] [--keep]
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/loadgen/bench_common.sh
keep=0 shop_items=300 updates=200000 new_items=2000 qps=500 duration=10
while [[ $# -gt 0 ]]; do
  case "$1" in
    --shop-items) shop_items=$2; shift 2 ;;
    --updates) updates=$2; shift 2 ;;
    --new-items) new_items=$2; shift 2 ;;
    --qps) qps=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "unknown flag $1" >&2; exit 1 ;;
  esac
done
bench_init boomerang-bench-catalog
bin=build/bin
$bin/boomerang-demo-shop --items "$shop_items" --out "$work/shop" > /dev/null
$bin/boomerang-indexer --purchases "$work/shop/orders.csv.gz" \
  --catalog "$work/shop/catalog.csv" --out "$work/snaps" --quiet > /dev/null
awk -F, 'NR > 1 {print $1}' "$work/shop/catalog.csv" > "$work/items.txt"
nitems=$(wc -l < "$work/items.txt")
# Price and stock changes of known items, round robin: every row differs
# (its price), so none is a duplicate.
awk -v n="$updates" '
  { ids[NR] = $1 }
  END {
    print "item_id,price,in_stock"
    for (k = 0; k < n; ++k) {
      i = k % NR + 1
      printf "%s,%.2f,%d\n", ids[i], 1 + k * 0.01, (i % 10 != 0)
    }
  }' "$work/items.txt" > "$work/updates.csv"
awk -v n="$new_items" 'BEGIN {
    print "item_id,title,category,price"
    split("mug cup kettle teapot bowl plate glass jar", w, " ")
    for (k = 0; k < n; ++k)
      printf "NEW-%d,Bench %s %s %d,Home/Kitchen,%.2f\n", k, w[k % 8 + 1], w[(k / 8) % 8 + 1], k, 3 + k % 40
  }' > "$work/new.csv"
bench_print_machine
echo "catalog     $nitems items; $updates updates; $new_items new items"
rm -rf "$work/events" "$work/port"
$bin/boomerang-server --snapshots "$work/snaps" --port 0 --port-file "$work/port" \
  --poll-seconds 0 --events-dir "$work/events" > /dev/null 2> "$work/server.log" &
server_pid=$!
bench_wait_serving
summary() {  # label, loadgen JSON line
  jq -r --arg l "$1" '"\($l): \(.qps | floor) QPS, p50 \(.latency_us.p50) us, p99 \(.latency_us.p99) us, errors \(([.errors[]] | add) // 0)"' <<< "$2"
}
lists() {  # label
  for rpc in fbt similar upsell; do
    summary "$1 $rpc open ${qps} QPS" "$($bin/boomerang-loadgen --server "$server" \
      --rpc "$rpc" --items "$work/items.txt" --json --qps "$qps" --concurrency 64 \
      --duration "$duration" --warmup 2 --seed 7 | tail -1)"
  done
}
push() {  # label, csv
  local start end
  start=$(date +%s.%N)
  $bin/boomerang --server "$server" --timeout-ms 60000 catalog push "$2" > "$work/push.json"
  end=$(date +%s.%N)
  jq -r --arg l "$1" --argjson s "$(echo "$end - $start" | bc)" \
    '"\($l): \(.updates) updates (\(.accepted) accepted) in \($s * 1000 | floor) ms: \(.updates / $s | floor) items/s"' \
    "$work/push.json"
}
lists "before"
push "push known items" "$work/updates.csv"
lists "with overrides"
push "push new items" "$work/new.csv"
