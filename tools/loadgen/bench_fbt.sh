#!/usr/bin/env bash
# bench_fbt.sh: benchmark Recommender.FrequentlyBoughtTogether end to end.
#
#   tools/loadgen/bench_fbt.sh [--build DIR] [--snapshots DIR] [--items FILE]
#                              [--duration S] [--runs N] [--out FILE]
#
# Starts boomerang-server on 127.0.0.1 with an OS-chosen port, waits for its
# health check, and measures:
#   (a) boomerang-loadgen, open loop at --open-qps (default 1000) QPS;
#   (b) boomerang-loadgen, closed loop at concurrency 16, 64, 128 (max QPS);
#   (c) h2load on the same RPC (one item, repeated) as a cross-check of the
#       client's own cost, after checking that a sample answer has
#       grpc-status 0 (h2load counts HTTP 200 as success whatever the
#       grpc-status).
#   (d) the gRPC floor: the same closed loop on an unknown item, which the
#       server answers without reading or ranking a list; the difference in
#       server CPU per request from (b) is the cost of the handler's work.
# Each measurement is repeated --runs times (default 2): the machine may be
# shared, so one number alone means little. Every loadgen line also gives the
# CPU time the server and the client spent per request, from /proc and
# /usr/bin/time, which tells who is the bottleneck when both share the CPUs.
#
# Without --snapshots the Online Retail snapshot is built from
# ../shared/data (relative to the repository); without --items the 2,000
# most frequent StockCodes of that file are the request items.
# Needs: boomerang-server, boomerang, boomerang-loadgen (and -indexer) in
# BUILD/bin; h2load and nghttp (nghttp2-client), jq, /usr/bin/time.
# The server is stopped on exit, whatever happens.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$script_dir/../.." && pwd)
build="$repo/build"
snapshots=""
items=""
duration=10
warmup=2
runs=2
open_qps=1000
concurrencies="16 64 128"
h2load_requests=200000
out=""
keep=0

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  cat <<EOF
Options (defaults in brackets):
  --build DIR          build directory with bin/ [$build]
  --snapshots DIR      snapshot root to serve [build Online Retail into a temp dir]
  --items FILE         item ids, one per line [top 2,000 Online Retail StockCodes]
  --duration S         seconds measured per loadgen run [$duration]
  --warmup S           seconds of warmup per loadgen run [$warmup]
  --runs N             repetitions of every measurement [$runs]
  --open-qps Q         rate of the open-loop runs [$open_qps]
  --concurrency "A B"  closed-loop concurrency levels [$concurrencies]
  --h2load-requests N  requests per h2load run [$h2load_requests]
  --out FILE           also append every loadgen JSON result line to FILE
  --keep               keep the temp dir (server log, items, request body)
EOF
}

die() { echo "bench_fbt: error: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --snapshots) snapshots=$2; shift 2 ;;
    --items) items=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --open-qps) open_qps=$2; shift 2 ;;
    --concurrency) concurrencies=$2; shift 2 ;;
    --h2load-requests) h2load_requests=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

bin="$build/bin"
data="$repo/../shared/data/online-retail/online_retail.csv.gz"
for b in boomerang-server boomerang boomerang-loadgen; do
  [[ -x "$bin/$b" ]] || die "$bin/$b not found: build it (cd $build && make $b)"
done
for t in h2load nghttp jq /usr/bin/time; do
  command -v "$t" >/dev/null || die "$t not found (h2load/nghttp: apt-get install nghttp2-client)"
done

# shellcheck source=tools/loadgen/bench_common.sh
source "$script_dir/bench_common.sh"
bench_init bench_fbt

bench_print_machine
echo "load        $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min; other work on the machine makes numbers noisy)"
echo "commit      $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$repo" diff --quiet 2>/dev/null || echo ' (+ local changes)')"

# ---- snapshot and items ---------------------------------------------------
if [[ -z "$snapshots" ]]; then
  [[ -f "$data" ]] || die "no --snapshots given and $data does not exist"
  [[ -x "$bin/boomerang-indexer" ]] || die "$bin/boomerang-indexer not found"
  snapshots="$work/snapshots"
  echo "== building the Online Retail snapshot in $snapshots"
  "$bin/boomerang-indexer" --purchases "$data" \
    --column order_id=InvoiceNo --column item_id=StockCode \
    --column customer_id=CustomerID --column timestamp=InvoiceDate \
    --column quantity=Quantity --column price=UnitPrice \
    --column title=Description --out "$snapshots" --quiet | sed 's/^/  /'
fi
if [[ -z "$items" ]]; then
  [[ -f "$data" ]] || die "no --items given and $data does not exist"
  items="$work/items.txt"
  # StockCode is the 2nd column; it and InvoiceNo never contain commas, so a
  # plain split is right even though Description is sometimes quoted.
  zcat "$data" | awk -F, 'NR > 1 && $2 != "" { n[$2]++ }
      END { for (k in n) print n[k], k }' |
    sort -k1,1nr -k2,2 | awk 'NR <= 2000 { print $2 }' > "$items"
fi
[[ -s "$items" ]] || die "no item ids in $items"
echo "items       $(wc -l < "$items") ids from $items (first: $(head -n1 "$items"))"

# ---- the server -----------------------------------------------------------
port_file="$work/port"
"$bin/boomerang-server" --snapshots "$snapshots" --host 127.0.0.1 --port 0 \
  --port-file "$port_file" --drain-seconds 2 > "$work/server.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 300); do  # up to ~30 s (loading verifies checksums)
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; die "server exited"; }
  if [[ -s "$port_file" ]]; then
    port=$(cat "$port_file")
    if "$bin/boomerang" --server "127.0.0.1:$port" --timeout-ms 500 health \
        >/dev/null 2>&1; then
      break
    fi
  fi
  port=""
  sleep 0.1
done
[[ -n "$port" ]] || { cat "$work/server.log" >&2; die "server not healthy within 30 s"; }
server="127.0.0.1:$port"
echo "== server pid $server_pid on $server"
sed 's/^/  /' "$work/server.log"

clk_tck=$(getconf CLK_TCK)
server_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }
# Nanoseconds the server's threads have spent runnable but waiting for a CPU
# (field 2 of schedstat): when it grows by a lot per request, latency tails
# come from CPU contention (other processes), not from the server's code.
server_runq_ns() { cat /proc/"$server_pid"/task/*/schedstat 2>/dev/null | awk '{ s += $2 } END { printf "%.0f", s }'; }

# Runs boomerang-loadgen once; prints a one-line summary with the CPU each
# side spent per completed request (warmup calls included in both).
loadgen() {
  local label=$1; shift
  local before after runq_before runq_after json client_cpu
  before=$(server_cpu_ticks)
  runq_before=$(server_runq_ns)
  json=$(/usr/bin/time -f '%U %S' -o "$work/time" \
    "$bin/boomerang-loadgen" --server "$server" --json "$@")
  after=$(server_cpu_ticks)
  runq_after=$(server_runq_ns)
  client_cpu=$(awk '{ print $1 + $2 }' "$work/time")
  [[ -n "$out" ]] && echo "$json" | jq -c --arg name "$label" '. + {label: $name}' >> "$out"
  echo "$json" | jq -r --arg name "$label" \
    --argjson server_s "$(awk -v t=$((after - before)) -v h="$clk_tck" 'BEGIN { print t / h }')" \
    --argjson client_s "$client_cpu" --argjson runq_ns "$((runq_after - runq_before))" --arg load "$(cut -d' ' -f1 /proc/loadavg)" '
    (.completed + .warmup_completed) as $all
    | "\($name)  qps \(.qps | floor)  ok \(.ok)  errors \(.errors | tostring)"
      + (if .mode == "open" then "  unsent \(.unsent)" else "" end)
      + "  us: p50 \(.latency_us.p50) p90 \(.latency_us.p90) p99 \(.latency_us.p99)"
      + " p99.9 \(.latency_us.p999) max \(.latency_us.max)"
      + "  cpu/req: server \(($server_s * 1e6 / $all) | floor) us, client \(($client_s * 1e6 / $all) | floor) us"
      + "  server runq wait/req \(($runq_ns / 1e3 / $all) | floor) us"
      + "  load1 \($load)"'
}

echo "== (a) open loop at $open_qps QPS, ${duration} s after ${warmup} s warmup (latency from the intended send time)"
for r in $(seq "$runs"); do
  loadgen "open-${open_qps}qps run$r" --items "$items" --qps "$open_qps" \
    --concurrency 64 --duration "$duration" --warmup "$warmup"
done

echo "== (b) closed loop, as fast as possible (4 channels, 1 polling thread)"
for c in $concurrencies; do
  for r in $(seq "$runs"); do
    loadgen "closed-c$c run$r" --items "$items" --qps 0 --concurrency "$c" \
      --duration "$duration" --warmup "$warmup"
  done
done

echo "== (c) h2load cross-check"
item=$(head -n1 "$items")
"$bin/boomerang" fbt --item "$item" --limit 10 --grpc-frame-out "$work/body.bin"
url="http://$server/boomerang.v1.Recommender/FrequentlyBoughtTogether"
headers=(-H 'content-type: application/grpc' -H 'te: trailers')
nghttp -v -n "${headers[@]}" -d "$work/body.bin" "$url" > "$work/nghttp.txt" 2>&1 || true
if grep -q 'grpc-status: 0' "$work/nghttp.txt"; then
  echo "sample      nghttp: item $item -> $(grep -m1 ':status:' "$work/nghttp.txt" | sed 's/.*\(:status.*\)/\1/'), grpc-status: 0"
else
  cat "$work/nghttp.txt" >&2
  die "the sample h2load request did not get grpc-status 0"
fi
echo "$item" > "$work/one_item.txt"
for r in $(seq "$runs"); do
  loadgen "closed-c64 same-item($item) run$r" --items "$work/one_item.txt" --qps 0 \
    --concurrency 64 --duration "$duration" --warmup "$warmup"
done
for r in $(seq "$runs"); do
  before=$(server_cpu_ticks)
  /usr/bin/time -f '%U %S' -o "$work/time" \
    h2load -n "$h2load_requests" -c 4 -m 16 "${headers[@]}" -d "$work/body.bin" "$url" \
    > "$work/h2load.txt" 2>&1 || { cat "$work/h2load.txt" >&2; die "h2load failed"; }
  after=$(server_cpu_ticks)
  awk -v label="h2load -c 4 -m 16 item $item run$r" -v t=$((after - before)) -v h="$clk_tck" \
      -v n="$h2load_requests" -v client="$(awk '{ print $1 + $2 }' "$work/time")" \
      -v load="$(cut -d' ' -f1 /proc/loadavg)" '
    /^finished in/ { rate = $4 }
    /^requests:/ { ok = $8; failed = $10 }
    /^time for request:/ { lat = "min " $4 " mean " $6 " max " $5 }
    END { printf "%s  qps %d  succeeded(http) %s failed %s  request time: %s  cpu/req: server %d us, client %d us  load1 %s\n",
          label, rate, ok, failed, lat, t / h * 1e6 / n, client * 1e6 / n, load }' "$work/h2load.txt"
done

echo "== gRPC floor: closed loop on an unknown item (no list lookup, tiny answer)"
echo "NO-SUCH-ITEM" > "$work/unknown_item.txt"
for r in $(seq "$runs"); do
  loadgen "closed-c64 unknown-item run$r" --items "$work/unknown_item.txt" --qps 0 \
    --concurrency 64 --duration "$duration" --warmup "$warmup"
done

echo "== server memory after the runs"
grep -E '^(VmRSS|VmHWM)' "/proc/$server_pid/status" | sed 's/^/  /'
echo "load        $(cut -d' ' -f1-3 /proc/loadavg)"
