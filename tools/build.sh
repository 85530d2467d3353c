#!/usr/bin/env bash
# Configures and builds Boomerang into build/ (Release, -j2).
#
#   tools/build.sh                 everything (programs, tests, benchmarks)
#   tools/build.sh TARGET...       only these targets and what they need,
#                                  e.g. the demo's four programs
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > build.log 2>&1 || { cat build.log; exit 1; }
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build build -j2 "${targets[@]}" >> build.log 2>&1 || { tail -50 build.log; exit 1; }
echo "build: OK (binaries in build/bin)"
