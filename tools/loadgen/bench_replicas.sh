#!/usr/bin/env bash
# Replicas (issue 15): 3 NATS nodes as a JetStream cluster, 3 boomerang-server
# replicas sharing live events through it and HAProxy in front, all on
# loopback (boomerang-replicas-bench): the propagation delay of an event from
# one replica to another (idle and under --qps reads through HAProxy), kill -9
# of one NATS node and one replica under load (failed calls, acknowledged
# events lost, catch-up), and every NATS node down.
#
#   tools/loadgen/bench_replicas.sh [--qps 2000] [--samples 300]
#                                   [--failover-seconds 20]
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/loadgen/bench_common.sh
keep=0
bench_init boomerang-bench-replicas
tools/build.sh boomerang-server boomerang-indexer boomerang-demo-shop \
  boomerang-loadgen boomerang-replicas-bench > /dev/null
bench_print_machine
echo "nats        $(nats-server --version 2>&1 | head -1)"
echo "haproxy     $(haproxy -v 2>&1 | head -1)"
build/bin/boomerang-replicas-bench --bin build/bin --work "$work" "$@" 2>&1 |
  grep -v 'hpack_parser'
