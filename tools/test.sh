#!/usr/bin/env bash
# The whole test suite on a fresh machine: install, build, run every test;
# then the same tests built with AddressSanitizer and UBSan (build-asan/),
# then each libFuzzer target for a bounded time (build-fuzz/). Any failure,
# sanitizer report or fuzzer crash fails the run; a crashing input is left
# in build-fuzz/fuzz/<target>/ (replay: build-fuzz/bin/<target> FILE).
#
# FUZZ_SECONDS (default 60) bounds each fuzz target's run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
fuzz_seconds=${FUZZ_SECONDS:-60}
fuzz_targets=(csv_fuzz json_request_fuzz timestamp_fuzz)
started=$SECONDS
phase() { echo "== test.sh: $1 ($((SECONDS - started)) s since start)"; }

# A skipped test (GTEST_SKIP, e.g. online_retail_test without ../shared)
# says why: ctest alone only counts it.
report_skips() {
  local log=$1/Testing/Temporary/LastTest.log
  [ -f "$log" ] || return 0
  awk '/^[0-9]+\/[0-9]+ Testing: / { test = $3 }
       / Skipped$/ { getline why; if (!seen[test]++) print "== skipped: " test ": " why }' "$log"
}

tools/install_deps.sh --test
phase "build"
tools/build.sh
phase "tests"
status=0
(cd build && ctest --output-on-failure -j2 --timeout 900) || status=$?
report_skips build
[ "$status" -eq 0 ] || exit "$status"

# ASan + UBSan over the same tests (timeouts scaled in cmake/Boomerang.cmake).
# LSan suppressions: tests/lsan.supp says why each one is there.
phase "ASan/UBSan build (build-asan/)"
mkdir -p build-asan
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBOOMERANG_SANITIZE=ON > build-asan/build.log 2>&1 ||
  { cat build-asan/build.log; exit 1; }
# Only the tests and the programs they run (not the benchmark tools).
cmake --build build-asan -j2 --target boomerang-tests >> build-asan/build.log 2>&1 ||
  { tail -50 build-asan/build.log; exit 1; }
phase "ASan/UBSan tests"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest --output-on-failure -j2 --timeout 900) || status=$?
report_skips build-asan
[ "$status" -eq 0 ] || exit "$status"

# libFuzzer targets, clang-built with ASan and UBSan.
phase "fuzz build (build-fuzz/)"
mkdir -p build-fuzz
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBOOMERANG_FUZZ=ON \
  > build-fuzz/build.log 2>&1 || { cat build-fuzz/build.log; exit 1; }
cmake --build build-fuzz -j2 --target "${fuzz_targets[@]}" \
  >> build-fuzz/build.log 2>&1 || { tail -50 build-fuzz/build.log; exit 1; }
for t in "${fuzz_targets[@]}"; do
  phase "fuzz $t for ${fuzz_seconds} s"
  work=$root/build-fuzz/fuzz/$t
  mkdir -p "$work/corpus"
  dict=()
  [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="$root/tests/fuzz/$t.dict")
  # New inputs go to $work/corpus (the seeds in git stay as they are);
  # crashes, timeouts and out-of-memory inputs to $work/.
  # json_request_fuzz indexes its shop with the gcc-built indexer.
  if ! (cd "$work" && BOOMERANG_INDEXER=$root/build/bin/boomerang-indexer \
      "$root/build-fuzz/bin/$t" -max_total_time="$fuzz_seconds" \
      -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix="$work/" "${dict[@]}" \
      corpus "$root/tests/fuzz/corpus/$t" > fuzz.log 2>&1); then
    tail -60 "$work/fuzz.log"
    echo "test.sh: $t failed; the input is in $work/ (crash-*, timeout-*," \
      "oom-*); replay it with build-fuzz/bin/$t FILE" >&2
    exit 1
  fi
  grep -E "^stat::number_of_executed_units|^Done" "$work/fuzz.log" || true
done
phase "all passed"
