#!/usr/bin/env bash
# bench_rpcs.sh: latency and throughput of every list RPC of boomerang-server.
#
#   tools/loadgen/bench_rpcs.sh --snapshots DIR --items FILE --customers FILE
#                               [--build DIR] [--qps Q] [--concurrency N]
#                               [--duration S] [--rpcs "fbt similar ..."]
#
# Starts boomerang-server on 127.0.0.1 (OS-chosen port) on the snapshot root
# DIR, waits (bounded) until its health check says SERVING, and for each RPC
#   fbt        FrequentlyBoughtTogether, one item
#   similar    SimilarItems, one item
#   picks      PersonalPicks, one customer
#   crosssell  CrossSell, a cart of --cart-size (2) items and a customer
#   upsell     Upsell, one item and a customer
# runs boomerang-loadgen
#   (a) open loop at --qps (500) for --duration (10) s: latency percentiles
#       from the intended send time, the right measure of p99 at a moderate
#       rate;
#   (b) closed loop at --concurrency (32) callers for --duration s: the most
#       QPS.
# Item ids are drawn from --items, customer ids from --customers (one per
# line). Each loadgen line also gives the CPU time the server and the client
# spent per request and how long the server's threads waited for a CPU
# (run-queue wait): on a shared machine that tells contention from slowness.
# The server's snapshot load time (its "loaded snapshot ... in ..." line),
# VmRSS/VmHWM after loading and after each RPC, and the load average are
# printed; a summary table ends the output. The server is stopped on exit,
# whatever happens.
# Needs: boomerang-server, boomerang, boomerang-loadgen in BUILD/bin; jq and
# /usr/bin/time.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$script_dir/../.." && pwd)
build="$repo/build"
snapshots=""
items=""
customers=""
qps=500
open_concurrency=64
concurrency=32
duration=10
warmup=2
cart_size=2
rpcs="fbt similar picks crosssell upsell"
start_timeout=600
skip_checksums=0
server_config=""
out=""
keep=0

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  cat <<EOF
Options (defaults in brackets):
  --snapshots DIR        snapshot root to serve (required)
  --items FILE           item ids, one per line (required)
  --customers FILE       customer ids, one per line (required)
  --build DIR            build directory with bin/ [$build]
  --qps Q                open-loop rate [$qps]
  --open-concurrency N   most calls in flight in the open loop [$open_concurrency]
  --concurrency N        closed-loop callers [$concurrency]
  --duration S           seconds measured per run [$duration]
  --warmup S             seconds of warmup per run [$warmup]
  --cart-size K          items per CrossSell request [$cart_size]
  --rpcs "A B"           which RPCs, in order [$rpcs]
  --start-timeout S      most seconds to wait for the server to serve [$start_timeout]
  --skip-checksums       start the server with --skip-checksums
  --server-config FILE   start the server with --config FILE (e.g. experiments
                         on the RPCs' default placements)
  --out FILE             also append every loadgen JSON result line to FILE
  --keep                 keep the temp dir (server log)
EOF
}

die() { echo "bench_rpcs: error: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --snapshots) snapshots=$2; shift 2 ;;
    --items) items=$2; shift 2 ;;
    --customers) customers=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --qps) qps=$2; shift 2 ;;
    --open-concurrency) open_concurrency=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --cart-size) cart_size=$2; shift 2 ;;
    --rpcs) rpcs=$2; shift 2 ;;
    --start-timeout) start_timeout=$2; shift 2 ;;
    --skip-checksums) skip_checksums=1; shift ;;
    --server-config) server_config=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

[[ -n "$snapshots" ]] || die "--snapshots is required (see --help)"
[[ -n "$items" ]] || die "--items is required (see --help)"
[[ -n "$customers" ]] || die "--customers is required (see --help)"
[[ -d "$snapshots" ]] || die "--snapshots $snapshots is not a directory"
[[ -s "$items" ]] || die "--items $items is missing or empty"
[[ -s "$customers" ]] || die "--customers $customers is missing or empty"
for r in $rpcs; do
  case "$r" in fbt|similar|picks|crosssell|upsell) ;; *) die "unknown RPC in --rpcs: $r" ;; esac
done
bin="$build/bin"
for b in boomerang-server boomerang boomerang-loadgen; do
  [[ -x "$bin/$b" ]] || die "$bin/$b not found: build it (cd $build && make -j2 $b)"
done
for t in jq /usr/bin/time; do
  command -v "$t" >/dev/null || die "$t not found"
done

# shellcheck source=tools/loadgen/bench_common.sh
source "$script_dir/bench_common.sh"
bench_init bench_rpcs

bench_print_machine
echo "uptime      $(uptime)"
echo "commit      $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$repo" diff --quiet 2>/dev/null || echo ' (+ local changes)')"
echo "snapshots   $snapshots ($(du -sh "$snapshots" 2>/dev/null | cut -f1))"
echo "items       $(wc -l < "$items") ids from $items (first: $(head -n1 "$items"))"
echo "customers   $(wc -l < "$customers") ids from $customers (first: $(head -n1 "$customers"))"

# ---- the server -----------------------------------------------------------
port_file="$work/port"
server_args=(--snapshots "$snapshots" --host 127.0.0.1 --port 0
             --port-file "$port_file" --drain-seconds 2)
[[ $skip_checksums -eq 1 ]] && server_args+=(--skip-checksums)
[[ -n "$server_config" ]] && server_args+=(--config "$server_config")
"$bin/boomerang-server" "${server_args[@]}" > "$work/server.log" 2>&1 &
server_pid=$!
echo "== starting boomerang-server (pid $server_pid), waiting up to ${start_timeout} s"
port=""
started=$(date +%s)
# The port file appears once the snapshot is loaded; then health must say
# SERVING. Each try is bounded (--timeout-ms), the loop by the clock.
while (( $(date +%s) - started < start_timeout )); do
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; die "server exited"; }
  if [[ -s "$port_file" ]]; then
    p=$(cat "$port_file")
    if "$bin/boomerang" --server "127.0.0.1:$p" --timeout-ms 1000 health 2>/dev/null |
        grep -q '"SERVING"'; then
      port=$p
      break
    fi
  fi
  sleep 0.5
done
[[ -n "$port" ]] || { cat "$work/server.log" >&2; die "server not SERVING within $start_timeout s"; }
server="127.0.0.1:$port"
echo "server      $server, SERVING after $(( $(date +%s) - started )) s"
sed 's/^/  /' "$work/server.log"
load_line=$(grep -m1 'loaded snapshot' "$work/server.log" || true)
load_time=$(sed -n 's/.*loaded snapshot .* in \(.*\)$/\1/p' <<< "$load_line")

memory() { awk '/^VmRSS/ { r = $2 } /^VmHWM/ { h = $2 }
  END { printf "VmRSS %.0f MiB  VmHWM %.0f MiB", r / 1024, h / 1024 }' "/proc/$server_pid/status"; }
echo "memory      $(memory) (after loading)"
rss_loaded=$(memory)

clk_tck=$(getconf CLK_TCK)
server_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }
server_runq_ns() { cat /proc/"$server_pid"/task/*/schedstat 2>/dev/null | awk '{ s += $2 } END { printf "%.0f", s }'; }

# Runs boomerang-loadgen once; prints a one-line summary and appends a row
# (rpc, mode, JSON) to $work/results.
loadgen() {
  local rpc=$1 label=$2; shift 2
  local before after runq_before runq_after json client_cpu rc=0
  before=$(server_cpu_ticks)
  runq_before=$(server_runq_ns)
  json=$(/usr/bin/time -f '%U %S' -o "$work/time" \
    "$bin/boomerang-loadgen" --server "$server" --json "$@" 2> "$work/loadgen.err") || rc=$?
  after=$(server_cpu_ticks)
  runq_after=$(server_runq_ns)
  sed 's/^/  /' "$work/loadgen.err" >&2
  if [[ $rc -ne 0 || -z "$json" ]]; then
    echo "$label  boomerang-loadgen failed (exit $rc)"
    return 0
  fi
  client_cpu=$(awk '{ print $1 + $2 }' "$work/time")
  [[ -n "$out" ]] && echo "$json" | jq -c --arg name "$label" '. + {label: $name}' >> "$out"
  printf '%s\t%s\t%s\n' "$rpc" "$label" "$json" >> "$work/results"
  echo "$json" | jq -r --arg name "$label" \
    --argjson server_s "$(awk -v t=$((after - before)) -v h="$clk_tck" 'BEGIN { print t / h }')" \
    --argjson client_s "$client_cpu" --argjson runq_ns "$((runq_after - runq_before))" \
    --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" '
    (.completed + .warmup_completed) as $all
    | "\($name)  qps \(.qps | floor)  ok \(.ok)  errors \(.errors | tostring)"
      + (if .mode == "open" then "  unsent \(.unsent)" else "" end)
      + "  us: p50 \(.latency_us.p50) p90 \(.latency_us.p90) p99 \(.latency_us.p99)"
      + " p99.9 \(.latency_us.p999) max \(.latency_us.max)"
      + "  cpu/req: server \(($server_s * 1e6 / ([$all, 1] | max)) | floor) us,"
      + " client \(($client_s * 1e6 / ([$all, 1] | max)) | floor) us"
      + "  server runq wait/req \(($runq_ns / 1e3 / ([$all, 1] | max)) | floor) us"
      + "  load \($load)"'
}

for rpc in $rpcs; do
  args=(--rpc "$rpc")
  case "$rpc" in
    fbt|similar) args+=(--items "$items") ;;
    picks) args+=(--customers "$customers") ;;
    crosssell) args+=(--items "$items" --items-per-request "$cart_size" --customers "$customers") ;;
    upsell) args+=(--items "$items" --customers "$customers") ;;
  esac
  echo "== $rpc"
  loadgen "$rpc" "$rpc open-${qps}qps" "${args[@]}" --qps "$qps" \
    --concurrency "$open_concurrency" --duration "$duration" --warmup "$warmup"
  loadgen "$rpc" "$rpc closed-c$concurrency" "${args[@]}" --qps 0 \
    --concurrency "$concurrency" --duration "$duration" --warmup "$warmup"
  echo "  server $(memory)"
done

echo "== summary (latency in ms, open loop at $qps QPS; QPS closed loop at concurrency $concurrency)"
touch "$work/results"
{
  printf 'rpc\tp50\tp90\tp99\tp99.9\tmax\terrors/unsent\tclosed QPS\tclosed p99\n'
  for rpc in $rpcs; do
    o=$(awk -F'\t' -v r="$rpc" '$1 == r && $2 ~ /open/ { print $3 }' "$work/results")
    c=$(awk -F'\t' -v r="$rpc" '$1 == r && $2 ~ /closed/ { print $3 }' "$work/results")
    [[ -n "$o" ]] || o='{}'
    [[ -n "$c" ]] || c='{}'
    jq -rn --arg rpc "$rpc" --argjson o "$o" --argjson c "$c" '
      def ms(x): if x == null then "-" else ((x / 10 | round) / 100 | tostring) end;
      [$rpc, ms($o.latency_us.p50), ms($o.latency_us.p90), ms($o.latency_us.p99),
       ms($o.latency_us.p999), ms($o.latency_us.max),
       (if $o.errors == null then "-" else
          "\(([$o.errors[]] | add) // 0)/\($o.unsent)" end),
       (if $c.qps == null then "-" else ($c.qps | floor | tostring) end),
       ms($c.latency_us.p99)] | @tsv'
  done
} | column -t -s $'\t'
echo "server      $(memory) (after the runs; after loading: $rss_loaded)"
echo "load time   ${load_time:-unknown} (${load_line:-no 'loaded snapshot' line in the server log})"
echo "uptime      $(uptime)"
