#!/usr/bin/env bash
# Speed of a trigger-audience run (issue 13's target: 1,000,000 customers
# in under 60 s on 2 cores): a generated shop with its live period
# (boomerang-demo-shop's events.jsonl, pushed with `boomerang events push`,
# and catalog_updates.jsonl with `boomerang catalog push`),
# a server on 127.0.0.1 with an event store, then `boomerang audience` for
# every trigger at the live period's end, with and without suggestions.
#
#   tools/loadgen/bench_audience.sh [--customers 1000000] [--items 100000]
#                                   [--shop DIR --snapshots DIR] [--runs 2]
#                                   [--server-bin PATH]
#
# --shop/--snapshots reuse a generated shop and its index (the 1M-customer
# index takes about 7 minutes). Prints wall time, customers/s, entries and
# the server's CPU seconds per run. --server-bin runs another build's server
# (a baseline); SUGGESTIONS="4" runs only the default (with suggestions).
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/loadgen/bench_common.sh
customers=1000000 items=100000 runs=2 shop="" snapshots="" keep=0
server_bin=build/bin/boomerang-server
while [[ $# -gt 0 ]]; do
  case "$1" in
    --customers) customers=$2; shift 2 ;;
    --items) items=$2; shift 2 ;;
    --shop) shop=$2; shift 2 ;;
    --snapshots) snapshots=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --server-bin) server_bin=$2; shift 2 ;;
    *) echo "unknown flag $1" >&2; exit 1 ;;
  esac
done
bench_init boomerang-bench-audience
bin=build/bin
if [[ -z "$shop" ]]; then
  shop="$work/shop"
  echo "== generating a shop: $items items, $customers customers"
  $bin/boomerang-demo-shop --out "$shop" --items "$items" \
    --customers "$customers" --gzip-level 1 > /dev/null
fi
if [[ -z "$snapshots" ]]; then
  snapshots="$work/snaps"
  /usr/bin/time -f "indexer: %e s wall, %M KiB peak" $bin/boomerang-indexer \
    --purchases "$shop/orders.csv.gz" --catalog "$shop/catalog.csv" \
    --out "$snapshots" --quiet > /dev/null
fi
"$server_bin" --snapshots "$snapshots" --port 0 \
  --events-dir "$work/events" --port-file "$work/port" \
  > "$work/server.out" 2> "$work/server.log" &
server_pid=$!
bench_wait_serving
bench_print_machine
server="127.0.0.1:$(cat "$work/port")"
$bin/boomerang --server "$server" events push "$shop/events.jsonl"
# The live period's price changes, stock-outs and restocks (price drop and
# back in stock have something to find).
if [[ -f "$shop/catalog_updates.jsonl" ]]; then
  $bin/boomerang --server "$server" catalog push "$shop/catalog_updates.jsonl"
fi
as_of=$(jq -r '.as_of' "$shop/triggers_truth.json")
cpu() { awk '{print ($14+$15)/100}' "/proc/$server_pid/stat"; }
echo "== audience at $as_of"
for r in $(seq 1 "$runs"); do
  for suggestions in ${SUGGESTIONS:--1 4}; do
    c0=$(cpu)
    t0=$(date +%s.%N)
    $bin/boomerang --server "$server" audience --as-of "$as_of" --quiet \
      --suggestions "$suggestions" --out "$work/audience.jsonl"
    t1=$(date +%s.%N)
    c1=$(cpu)
    entries=$(wc -l < "$work/audience.jsonl")
    awk -v t0="$t0" -v t1="$t1" -v c0="$c0" -v c1="$c1" -v n="$customers" \
      -v e="$entries" -v s="$suggestions" -v r="$r" 'BEGIN {
        printf "run %d, suggestions %d: %.1f s, %.0f customers/s, %d entries, server CPU %.1f s\n",
          r, s, t1 - t0, n / (t1 - t0), e, c1 - c0 }'
  done
done
