#!/usr/bin/env bash
# Configures and builds Boomerang into build/ (Release, -j2).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > build.log 2>&1 || { cat build.log; exit 1; }
cmake --build build -j2 >> build.log 2>&1 || { tail -50 build.log; exit 1; }
echo "build: OK (binaries in build/bin)"
