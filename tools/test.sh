#!/usr/bin/env bash
# The whole test suite on a fresh machine: install, build, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh
tools/build.sh
cd build
ctest --output-on-failure -j2 --timeout 900
