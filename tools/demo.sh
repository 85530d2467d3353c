#!/usr/bin/env bash
# Quick start: install, build, generate the built-in demo shop, index it,
# start the server on 127.0.0.1 and show a few real answers.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${BOOMERANG_PORT:-50051}
# The HTTP side door (the demo page) on a port the OS picks unless given.
HTTP_PORT=${BOOMERANG_HTTP_PORT:-0}
started=$SECONDS
tools/install_deps.sh
# Only the four programs the demo runs, not the tests and benchmarks.
tools/build.sh boomerang-server boomerang-indexer boomerang boomerang-demo-shop

echo "== generating the demo shop into demo/"
build/bin/boomerang-demo-shop --out demo
echo "== indexing it into demo/snapshots/ (a fresh demo each run)"
if [ -f demo/server.pid ] && kill -0 "$(cat demo/server.pid)" 2>/dev/null; then
  kill "$(cat demo/server.pid)"; sleep 1
fi
rm -rf demo/snapshots demo/http_port
build/bin/boomerang-indexer --purchases demo/orders.csv.gz --catalog demo/catalog.csv \
  --out demo/snapshots --quiet

if [ -f demo/server.pid ] && kill -0 "$(cat demo/server.pid)" 2>/dev/null; then
  kill "$(cat demo/server.pid)"; sleep 1
fi
echo "== starting boomerang-server on 127.0.0.1:$PORT (log: demo/server.log)"
# The demo shop's orders end on 2025-12-31: answer as of then (the server's
# clock, --clock data-end), so that "due in 3 days" reads as on that day.
build/bin/boomerang-server --snapshots demo/snapshots --host 127.0.0.1 --port "$PORT" \
  --clock data-end --http-port "$HTTP_PORT" --http-port-file demo/http_port \
  --currency '$' \
  > demo/server.out 2> demo/server.log &
echo $! > demo/server.pid
for _ in $(seq 1 100); do
  # Ours once its port file is there (another server could hold $PORT).
  if [ -s demo/http_port ] &&
     build/bin/boomerang --server "127.0.0.1:$PORT" health 2>/dev/null | grep -q '"SERVING"'; then
    break
  fi
  if ! kill -0 "$(cat demo/server.pid)" 2>/dev/null; then
    cat demo/server.log
    echo "demo: the server did not start on port $PORT; if it is taken, run again" \
         "with another one: BOOMERANG_PORT=50777 $0"
    exit 1
  fi
  sleep 0.1
done
build/bin/boomerang --server "127.0.0.1:$PORT" health
echo "== first answer $((SECONDS - started)) s after the start of this script"

# Ask about the first planted complement pair and a two-item cart.
anchor=$(grep -m1 -o '"anchor": *"[^"]*"' demo/truth.json | sed 's/.*"\([^"]*\)"$/\1/')
second=$(grep -o '"anchor": *"[^"]*"' demo/truth.json | sed -n 2p | sed 's/.*"\([^"]*\)"$/\1/')
title() { awk -F, -v id="$1" '$1==id {print $2}' demo/catalog.csv; }
echo
echo "== Frequently bought together with $anchor ($(title "$anchor")):"
build/bin/boomerang --server "127.0.0.1:$PORT" fbt --item "$anchor" --limit 3 |
  grep -E '"(item_id|title|explanation)"' | grep -v anchor_item_id
echo
echo "== A cart with $anchor and $second:"
build/bin/boomerang --server "127.0.0.1:$PORT" fbt --item "$anchor" --item "$second" --limit 3 |
  grep -E '"(item_id|explanation)"' | grep -v anchor_item_id
sub=$(grep -m1 -o '"items": *\[ *"[^"]*"' demo/truth.json | sed 's/.*"\([^"]*\)"$/\1/')
cust=$(grep -m1 -o '"customer_id": *"[^"]*"' demo/truth.json | sed 's/.*"\([^"]*\)"$/\1/')
echo
echo "== Similar items to $sub ($(title "$sub")):"
build/bin/boomerang --server "127.0.0.1:$PORT" similar --item "$sub" --limit 3 |
  grep -E '"(item_id|explanation)"' | grep -v anchor_item_id
echo
echo "== Personal picks for customer $cust:"
build/bin/boomerang --server "127.0.0.1:$PORT" picks --customer "$cust" --limit 4 \
  | grep -E '"(item_id|explanation)"' | grep -v anchor_item_id
echo
echo "== Buy again for customer $cust (what they will likely re-buy in the next 30 days):"
build/bin/boomerang --server "127.0.0.1:$PORT" buyagain --customer "$cust" --limit 3 |
  grep -E '"(item_id|explanation)"'
echo
echo "== Profile of customer $cust:"
build/bin/boomerang --server "127.0.0.1:$PORT" profile --customer "$cust" |
  grep -E '"(orders|revenue|segment|churn_risk|predicted_ltv_12_months|predicted_next_order)"'
echo
echo "== Replenishment emails for the day after the data ends (an item due within 7 days):"
build/bin/boomerang --server "127.0.0.1:$PORT" due --lead-days 7 \
  --out demo/due.jsonl --quiet
echo "$(wc -l < demo/due.jsonl) customers -> demo/due.jsonl; the first:"
head -c 300 demo/due.jsonl; echo " ..."
echo
echo "== Retention report of the demo shop -> demo/report.html (open it in a browser)"
build/bin/boomerang report --purchases demo/orders.csv.gz --json demo/report.json \
  --html demo/report.html --quiet
cat <<MSG

The server keeps running (pid $(cat demo/server.pid)) on 127.0.0.1:$PORT (gRPC) and
http://127.0.0.1:$(cat demo/http_port)/ (a demo product page in your browser). Ask more:
  build/bin/boomerang --server 127.0.0.1:$PORT fbt --item $anchor --limit 5
  build/bin/boomerang --server 127.0.0.1:$PORT fbt --item $anchor --item $second --exclude SKU-0001
  build/bin/boomerang --server 127.0.0.1:$PORT similar --item $sub
  build/bin/boomerang --server 127.0.0.1:$PORT picks --customer $cust --mode repeat
  build/bin/boomerang --server 127.0.0.1:$PORT crosssell --item $anchor --customer $cust
  build/bin/boomerang --server 127.0.0.1:$PORT upsell --item $sub
  build/bin/boomerang --server 127.0.0.1:$PORT batch-picks --segment at_risk --out demo/winback.jsonl
Planted truths are in demo/truth.json, the catalog in demo/catalog.csv.
Stop it with: kill \$(cat demo/server.pid)
MSG
