// The snapshot's key-value tables, stored in RocksDB. This is the only code
// that includes RocksDB; everything else sees absl::Status and strings.
//
// TableWriter bulk-loads a new database: each column family is written as
// one sorted SST file and ingested (all-or-nothing), then the database is
// closed, so nothing has it open when the snapshot is published.
// TableReader opens a published database read-only, with a block cache
// large enough to hold it, and can warm that cache so that requests do not
// wait on the disk.
//
// Thread-safety: TableWriter is single-threaded. TableReader is safe for
// concurrent Get() calls (RocksDB's guarantee).
#ifndef BOOMERANG_MODELS_SNAPSHOT_INTERNAL_TABLES_H_
#define BOOMERANG_MODELS_SNAPSHOT_INTERNAL_TABLES_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "models/snapshot/layout.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class Cache;
}  // namespace rocksdb

namespace boomerang {

// The column families of a snapshot (their names are in layout.h).
const std::vector<std::string>& SnapshotTableNames();

class TableWriter {
 public:
  // Creates a new, empty database in `dir` (which must not exist yet or be
  // empty) with the snapshot's column families.
  static absl::StatusOr<std::unique_ptr<TableWriter>> Create(
      const std::string& dir);
  ~TableWriter();

  // Writes a whole table. Rows need not be sorted; duplicate keys are an
  // error. May be called once per table.
  absl::Status WriteTable(
      const std::string& table,
      std::vector<std::pair<std::string, std::string>> rows);

  // Writes a whole table whose rows come in key order, straight to its file
  // without holding them: `next(&key, &value)` sets the next row and
  // returns true, or returns false at the end. Keys must be strictly
  // increasing (a repeated key is a duplicate-key error). May be called
  // once per table, like WriteTable.
  absl::Status WriteSortedTable(
      const std::string& table,
      const std::function<bool(std::string* key, std::string* value)>& next);

  // Flushes and closes the database. REQUIRES: called once, before the
  // directory is published.
  absl::Status Close();

 private:
  TableWriter() = default;
  std::string dir_;
  std::unique_ptr<rocksdb::DB> db_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> handles_;
};

class TableReader {
 public:
  // Opens `dir` read-only. `cache_bytes` bounds the block cache.
  static absl::StatusOr<std::unique_ptr<TableReader>> Open(
      const std::string& dir, size_t cache_bytes);
  ~TableReader();

  // Whether the snapshot has the table (older ones lack newer tables).
  bool HasTable(absl::string_view table) const {
    return handles_.find(table) != handles_.end();
  }
  // NOT_FOUND when the key is absent.
  absl::Status Get(absl::string_view table, absl::string_view key,
                   std::string* value) const;

  // Calls fn(key, value) for every row, in key order; stops early when fn
  // returns false.
  absl::Status ForEach(absl::string_view table,
                       const std::function<bool(absl::string_view,
                                                absl::string_view)>& fn) const;

  // Like ForEach, from the first key after `after` (from the start when
  // absent): a long scan resumed in steps, e.g. one step per message of a
  // stream. Does not fill the block cache.
  absl::Status ScanAfter(
      absl::string_view table, std::optional<absl::string_view> after,
      const std::function<bool(absl::string_view, absl::string_view)>& fn)
      const;
  // Reads every row once so that the block cache holds the data.
  absl::Status Warm() const;

 private:
  TableReader() = default;
  rocksdb::ColumnFamilyHandle* Handle(absl::string_view table) const;
  absl::Status Scan(absl::string_view table,
                    std::optional<absl::string_view> after, bool fill_cache,
                    const std::function<bool(absl::string_view,
                                             absl::string_view)>& fn) const;

  std::shared_ptr<rocksdb::Cache> cache_;
  std::unique_ptr<rocksdb::DB> db_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>> handles_;
};

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_SNAPSHOT_INTERNAL_TABLES_H_
