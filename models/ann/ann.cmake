# boomerang_ann: the FAISS wrapper. Included from models/CMakeLists.txt;
# paths are relative to this file, not to the including directory.
#
# FAISS's CMake config links OpenMP::OpenMP_CXX, so OpenMP must be found
# first. GLOBAL makes both imported targets visible to every directory (the
# indexer and server link boomerang_ann from sibling directories).
if(NOT TARGET OpenMP::OpenMP_CXX)
  find_package(OpenMP REQUIRED GLOBAL)
endif()
if(NOT TARGET faiss)
  find_package(faiss CONFIG REQUIRED GLOBAL)
endif()

boomerang_library(NAME boomerang_ann
  SRCS ${CMAKE_CURRENT_LIST_DIR}/vector_index.cc ${CMAKE_CURRENT_LIST_DIR}/dot.cc
  DEPS faiss OpenMP::OpenMP_CXX absl::status absl::statusor absl::span
       absl::strings)

# The same sums on every machine: without this, gcc fuses the x86-64-v3
# clone's multiply-adds (FMA) and the baseline clone cannot, so scores (and
# ties) would differ in the last bits between hosts.
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/dot.cc
  PROPERTIES COMPILE_OPTIONS "-ffp-contract=off")

boomerang_test(NAME vector_index_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/vector_index_test.cc
  DEPS boomerang_ann Threads::Threads)

# Flat vs HNSW build and query timings (see models/ann/BENCHMARKS.md).
boomerang_binary(NAME boomerang-ann-bench
  SRCS ${CMAKE_CURRENT_LIST_DIR}/ann_bench.cc
  DEPS boomerang_ann)
