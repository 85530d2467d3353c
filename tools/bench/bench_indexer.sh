#!/usr/bin/env bash
# Indexer speed on Online Retail next to the pandas baseline, in one run.
#   tools/bench/bench_indexer.sh [runs] [build-dir ...]
# With build dirs (default: build), each one's boomerang-indexer runs in
# turn, run by run, so that two versions are compared in the same run.
# Prints wall time, lines/s and peak RSS of each run (GNU time if present,
# else the indexer's own peak-memory line).
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=../shared/data/online-retail/online_retail.csv.gz
RUNS=${1:-3}
shift || true
BUILDS=("$@")
[ ${#BUILDS[@]} -gt 0 ] || BUILDS=(build)
[ -f "$DATA" ] || { echo "bench_indexer: $DATA is absent"; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); date: $(date -u +%F)"
for i in $(seq 1 "$RUNS"); do
 for b in "${BUILDS[@]}"; do
  rm -rf "$out/snaps"
  start=$(date +%s.%N)
  "$b/bin/boomerang-indexer" --purchases "$DATA" \
    --column order_id=InvoiceNo --column item_id=StockCode --column customer_id=CustomerID \
    --column timestamp=InvoiceDate --column quantity=Quantity --column price=UnitPrice \
    --column title=Description --out "$out/snaps" --quiet > "$out/summary.txt"
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" -v i="$i" -v b="$b" -v mem="$(grep -o 'peak memory [0-9]* MiB' "$out/summary.txt")" \
    'BEGIN { w = e - s; printf "%s/bin/boomerang-indexer run %d: %.2f s wall, %.0f lines/s, %s\n", b, i, w, 541909 / w, mem }'
 done
done
if /usr/bin/python3 -c 'import pandas' 2>/dev/null; then
  for i in $(seq 1 "$RUNS"); do
    /usr/bin/python3 tools/bench/pandas_fbt_baseline.py "$DATA"
  done
else
  echo "pandas baseline skipped: apt-get install python3-pandas"
fi
