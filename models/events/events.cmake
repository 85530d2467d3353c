# boomerang_events: the live event log (RocksDB). Included from
# models/CMakeLists.txt; paths are relative to this file.
boomerang_library(NAME boomerang_events
  SRCS ${CMAKE_CURRENT_LIST_DIR}/event_store.cc
  DEPS boomerang_proto RocksDB::rocksdb-shared absl::status absl::statusor
       absl::strings absl::str_format absl::synchronization)
boomerang_test(NAME event_store_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/event_store_test.cc
  DEPS boomerang_events)
# The shared log of replicas (issue 15): NATS JetStream in front of the
# local store.
boomerang_library(NAME boomerang_nats_log
  SRCS ${CMAKE_CURRENT_LIST_DIR}/nats_event_log.cc
  DEPS boomerang_events cnats::nats OpenSSL::Crypto absl::flat_hash_map
       absl::flat_hash_set
       absl::strings absl::synchronization)
boomerang_test(NAME nats_event_log_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/nats_event_log_test.cc
  DEPS boomerang_nats_log gRPC::grpc++)
