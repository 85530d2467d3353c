# boomerang_snapshot: the snapshot contract, shared by the indexer (which
# writes snapshots through writer.h) and the server (which reads them with
# snapshot.h); the names of both in layout.h. Included from
# models/CMakeLists.txt; paths are relative to this file.
boomerang_library(NAME boomerang_snapshot
  SRCS ${CMAKE_CURRENT_LIST_DIR}/snapshot.cc
       ${CMAKE_CURRENT_LIST_DIR}/snapshot_dir.cc
       ${CMAKE_CURRENT_LIST_DIR}/writer.cc
       ${CMAKE_CURRENT_LIST_DIR}/internal/tables.cc
  DEPS boomerang_models boomerang_picks_ranker boomerang_ann boomerang_proto RocksDB::rocksdb-shared
       OpenSSL::Crypto absl::status absl::statusor absl::strings
       absl::str_format absl::synchronization)
boomerang_test(NAME tables_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/internal/tables_test.cc
  DEPS boomerang_snapshot ZLIB::ZLIB)
boomerang_test(NAME snapshot_dir_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/snapshot_dir_test.cc
  DEPS boomerang_snapshot ZLIB::ZLIB)
# Writer -> reader round trip.
boomerang_test(NAME writer_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/writer_test.cc
  DEPS boomerang_snapshot xgboost::xgboost ZLIB::ZLIB)
