#include "models/snapshot/internal/tables.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "models/rocks_status.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/sst_file_writer.h"
#include "rocksdb/table.h"

namespace boomerang {
namespace {

using internal::FromRocksStatus;

// RocksDB's info log would be a file inside the snapshot: written by the
// indexer (and covered by the checksums) and rotated by every reader that
// opens it, which would change a published snapshot. Discard it instead;
// errors still reach us as statuses.
class NullLogger : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char* /*format*/, va_list /*ap*/) override {}
};

rocksdb::ColumnFamilyOptions TableOptions(
    std::shared_ptr<rocksdb::Cache> cache) {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = std::move(cache);
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  // Index and filter blocks live in the table reader, outside the block
  // cache: a large table's index (5 MB for 1M customers) would not fit one
  // shard of the cache and would be read from disk and checksummed on every
  // Get (measured: 0.67 ms per customer lookup). Their memory is the price:
  // a few MB per GB of table.
  t.cache_index_and_filter_blocks = false;
  t.data_block_index_type =
      rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  cf.compression = rocksdb::kNoCompression;  // latency over size
  return cf;
}

}  // namespace

const std::vector<std::string>& SnapshotTableNames() {
  static const auto* kNames = new std::vector<std::string>{
      kItemsTable,   kFbtTable,       kMetaTable,
      kSimilarTable, kCustomersTable, kPricesTable};
  return *kNames;
}

absl::StatusOr<std::unique_ptr<TableWriter>> TableWriter::Create(
    const std::string& dir) {
  std::unique_ptr<TableWriter> w(new TableWriter());
  w->dir_ = dir;
  rocksdb::DBOptions db_opts;
  db_opts.create_if_missing = true;
  db_opts.create_missing_column_families = true;
  db_opts.error_if_exists = true;
  db_opts.max_background_jobs = 2;
  db_opts.info_log = std::make_shared<NullLogger>();
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  cfs.emplace_back(rocksdb::kDefaultColumnFamilyName,
                   TableOptions(rocksdb::NewLRUCache(8 << 20)));
  for (const auto& name : SnapshotTableNames()) {
    cfs.emplace_back(name, TableOptions(rocksdb::NewLRUCache(8 << 20)));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  absl::Status s =
      FromRocksStatus(rocksdb::DB::Open(db_opts, dir, cfs, &handles, &db),
                      absl::StrCat("creating tables in ", dir));
  if (!s.ok()) return s;
  w->db_.reset(db);
  for (size_t i = 0; i < cfs.size(); ++i) {
    w->handles_[cfs[i].name] = handles[i];
  }
  return w;
}

TableWriter::~TableWriter() {
  if (db_ != nullptr) {
    for (auto& [name, h] : handles_) db_->DestroyColumnFamilyHandle(h);
    db_->Close().PermitUncheckedError();
  }
}

absl::Status TableWriter::WriteTable(
    const std::string& table,
    std::vector<std::pair<std::string, std::string>> rows) {
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  size_t next = 0;
  return WriteSortedTable(table, [&](std::string* key, std::string* value) {
    if (next == rows.size()) return false;
    // Moved out: the table file holds them now.
    *key = std::move(rows[next].first);
    *value = std::move(rows[next].second);
    ++next;
    return true;
  });
}

absl::Status TableWriter::WriteSortedTable(
    const std::string& table,
    const std::function<bool(std::string* key, std::string* value)>& next) {
  auto it = handles_.find(table);
  if (it == handles_.end() || db_ == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("no table '", table, "'"));
  }
  std::string key, value, previous;
  if (!next(&key, &value)) return absl::OkStatus();  // no file for no rows
  const std::string sst = absl::StrCat(dir_, "/", table, ".sst.ingest");
  rocksdb::Options opts(rocksdb::DBOptions(), TableOptions(nullptr));
  rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), opts, it->second);
  absl::Status s = FromRocksStatus(writer.Open(sst), "opening " + sst);
  if (!s.ok()) return s;
  bool first = true;
  do {
    if (!first && key <= previous) {
      return absl::InvalidArgumentError(
          key == previous
              ? absl::StrCat("duplicate key '", key, "' in ", table)
              : absl::StrCat("key '", key, "' after '", previous, "' in ",
                             table, ": keys out of order"));
    }
    first = false;
    s = FromRocksStatus(writer.Put(key, value), "writing " + sst);
    if (!s.ok()) return s;
    previous.swap(key);
  } while (next(&key, &value));
  s = FromRocksStatus(writer.Finish(), "finishing " + sst);
  if (!s.ok()) return s;
  rocksdb::IngestExternalFileOptions ingest;
  ingest.move_files = true;
  return FromRocksStatus(db_->IngestExternalFile(it->second, {sst}, ingest),
                         absl::StrCat("ingesting table ", table));
}

absl::Status TableWriter::Close() {
  if (db_ == nullptr) return absl::FailedPreconditionError("already closed");
  // Ingested files are fsynced by RocksDB; the snapshot builder fsyncs
  // every file of the directory again before publishing.
  // Nothing goes through the memtable (all data is ingested), so there is
  // nothing to flush.
  for (auto& [name, h] : handles_) db_->DestroyColumnFamilyHandle(h);
  handles_.clear();
  absl::Status c = FromRocksStatus(db_->Close(), "closing tables");
  db_.reset();
  return c;
}

absl::StatusOr<std::unique_ptr<TableReader>> TableReader::Open(
    const std::string& dir, size_t cache_bytes) {
  std::unique_ptr<TableReader> r(new TableReader());
  r->cache_ = rocksdb::NewLRUCache(cache_bytes);
  rocksdb::DBOptions db_opts;
  db_opts.max_open_files = -1;  // keep every table file open: no open() per Get
  db_opts.info_log = std::make_shared<NullLogger>();
  // Only the tables this snapshot has: one written before a table was
  // added (e.g. "prices") still opens, without it (HasTable says so).
  std::vector<std::string> present;
  absl::Status listed =
      FromRocksStatus(rocksdb::DB::ListColumnFamilies(db_opts, dir, &present),
                      absl::StrCat("listing tables in ", dir));
  if (!listed.ok()) return listed;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  cfs.emplace_back(rocksdb::kDefaultColumnFamilyName, TableOptions(r->cache_));
  for (const auto& name : SnapshotTableNames()) {
    if (std::find(present.begin(), present.end(), name) == present.end()) {
      continue;
    }
    cfs.emplace_back(name, TableOptions(r->cache_));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  absl::Status s = FromRocksStatus(
      rocksdb::DB::OpenForReadOnly(db_opts, dir, cfs, &handles, &db),
      absl::StrCat("opening tables in ", dir));
  if (!s.ok()) return s;
  r->db_.reset(db);
  for (size_t i = 0; i < cfs.size(); ++i) r->handles_[cfs[i].name] = handles[i];
  return r;
}

TableReader::~TableReader() {
  if (db_ != nullptr) {
    for (auto& [name, h] : handles_) db_->DestroyColumnFamilyHandle(h);
    db_->Close().PermitUncheckedError();
  }
}

rocksdb::ColumnFamilyHandle* TableReader::Handle(
    absl::string_view table) const {
  auto it = handles_.find(table);
  return it == handles_.end() ? nullptr : it->second;
}

absl::Status TableReader::Get(absl::string_view table, absl::string_view key,
                              std::string* value) const {
  rocksdb::ColumnFamilyHandle* h = Handle(table);
  if (h == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("no table '", table, "'"));
  }
  rocksdb::ReadOptions ro;
  ro.verify_checksums = false;  // checked once when the snapshot loads
  rocksdb::Status s =
      db_->Get(ro, h, rocksdb::Slice(key.data(), key.size()), value);
  if (s.IsNotFound()) return absl::NotFoundError(key);
  return FromRocksStatus(s, absl::StrCat("reading ", table));
}

absl::Status TableReader::ForEach(
    absl::string_view table,
    const std::function<bool(absl::string_view, absl::string_view)>& fn) const {
  return Scan(table, std::nullopt, /*fill_cache=*/true, fn);
}

absl::Status TableReader::ScanAfter(
    absl::string_view table, std::optional<absl::string_view> after,
    const std::function<bool(absl::string_view, absl::string_view)>& fn) const {
  // A batch job's scan must not push the hot blocks of point lookups out
  // of the block cache.
  return Scan(table, after, /*fill_cache=*/false, fn);
}

absl::Status TableReader::Scan(
    absl::string_view table, std::optional<absl::string_view> after,
    bool fill_cache,
    const std::function<bool(absl::string_view, absl::string_view)>& fn) const {
  rocksdb::ColumnFamilyHandle* h = Handle(table);
  if (h == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("no table '", table, "'"));
  }
  rocksdb::ReadOptions ro;
  ro.fill_cache = fill_cache;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, h));
  if (after.has_value()) {
    // A copy: callers often pass a key that `fn` overwrites.
    const std::string start(*after);
    it->Seek(start);
    if (it->Valid() && it->key() == rocksdb::Slice(start)) it->Next();
  } else {
    it->SeekToFirst();
  }
  for (; it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key(), v = it->value();
    if (!fn(absl::string_view(k.data(), k.size()),
            absl::string_view(v.data(), v.size()))) {
      break;
    }
  }
  return FromRocksStatus(it->status(), absl::StrCat("scanning ", table));
}

absl::Status TableReader::Warm() const {
  for (const auto& name : SnapshotTableNames()) {
    absl::Status s = ForEach(
        name, [](absl::string_view, absl::string_view) { return true; });
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace boomerang
