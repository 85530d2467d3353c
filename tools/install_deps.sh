#!/usr/bin/env bash
# Installs the Debian 12 packages Boomerang needs; only missing packages are
# installed; needs root (or sudo).
#
#   tools/install_deps.sh          what building and running need (the demo)
#   tools/install_deps.sh --test   also what the test suite and benchmarks
#                                  need: headless Chromium (the demo page and
#                                  report tests), clang 14 with libFuzzer (the
#                                  fuzz job), openssl (test certificates),
#                                  h2load, jq and time (benchmarks),
#                                  nats-server and haproxy (replicas)
#
# The split keeps the demo's first answer quick on a fresh machine: Chromium
# and clang are about half of what a fresh install downloads.
set -euo pipefail
packages=(
  build-essential cmake pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev librocksdb-dev libssl-dev zlib1g-dev
  libfaiss-dev libopenblas-dev libjemalloc-dev libxgboost-dev
  libcli11-dev nlohmann-json3-dev libgtest-dev libgmock-dev libcpp-httplib-dev
  libboost-math-dev libtomlplusplus-dev
  # The NATS C client: replicas share live events through JetStream.
  libnats-dev
)
if [ "${1:-}" = "--test" ]; then
  packages+=(
    nghttp2-client jq time
    # The replicas test and benchmark start a 3-node NATS cluster and
    # HAProxy themselves.
    nats-server haproxy
    # tools/check_deploy.sh (a test) parses the Kubernetes manifests.
    python3-yaml
    # security_test makes its certificates with the openssl command (a
    # minimal Debian has only the library).
    openssl
    chromium fonts-dejavu-core
    # The fuzz job (tools/test.sh): clang with libFuzzer and its OpenMP (the
    # FAISS target links OpenMP), clang's sanitizer runtime and headers
    # (sanitizer/asan_interface.h: a fresh machine has only gcc's), and
    # llvm-symbolizer for readable reports.
    clang-14 libfuzzer-14-dev libomp-14-dev libclang-rt-14-dev llvm-14
  )
elif [ $# -gt 0 ]; then
  echo "usage: $0 [--test]" >&2
  exit 2
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#packages[@]} packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install_deps: installing ${missing[*]}"
$SUDO apt-get update -q
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
