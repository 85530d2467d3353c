// One loaded, immutable snapshot version, and the holder of the one that
// currently serves.
//
// A request copies the current std::shared_ptr<const Snapshot> once at its
// start (SnapshotHolder::Current) and uses only that, so a later swap never
// changes the data under a running request; the old version is freed when
// the last request holding it finishes.
//
// Thread-safety: Snapshot is immutable after Open() and safe to share.
// SnapshotHolder is thread-safe.
#ifndef BOOMERANG_SERVER_SNAPSHOT_H_
#define BOOMERANG_SERVER_SNAPSHOT_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "boomerang/v1/snapshot.pb.h"
#include "server/store/tables.h"

namespace boomerang {

struct SnapshotOptions {
  // Verify every file's SHA-256 against the manifest before serving.
  // Costs one read of the snapshot (about 1 s per GB).
  bool verify_checksums = true;
  // Read every table once so that requests find the data in memory.
  bool warm = true;
  // Upper bound of the RocksDB block cache.
  size_t cache_bytes = size_t{1} << 30;
};

class Snapshot {
 public:
  // Opens the snapshot directory `dir` (a complete version directory).
  static absl::StatusOr<std::shared_ptr<const Snapshot>> Open(
      const std::string& dir, const SnapshotOptions& options);

  // The newest complete version directory under `root`. NOT_FOUND with a
  // message telling the user how to make one when there is none.
  static absl::StatusOr<std::string> FindNewest(const std::string& root);

  const std::string& version() const { return manifest_.version(); }
  const std::string& dir() const { return dir_; }
  const v1::SnapshotManifest& manifest() const { return manifest_; }

  // Item metadata; nullptr for an unknown item.
  const v1::ItemRecord* FindItem(const std::string& item_id) const;

  // The item's co-purchase list. NOT_FOUND when it has none.
  absl::Status GetFbt(const std::string& item_id, v1::FbtList* out) const;

  const v1::PopularItems& popular() const { return popular_; }

 private:
  Snapshot() = default;

  // Constant after construction.
  std::string dir_;
  v1::SnapshotManifest manifest_;
  std::unique_ptr<TableReader> tables_;
  absl::flat_hash_map<std::string, v1::ItemRecord> items_;
  v1::PopularItems popular_;
};

class SnapshotHolder {
 public:
  std::shared_ptr<const Snapshot> Current() const {
    absl::MutexLock lock(&mu_);
    return current_;
  }
  void Set(std::shared_ptr<const Snapshot> snapshot) {
    absl::MutexLock lock(&mu_);
    current_.swap(snapshot);
    // `snapshot` (the old one) is released here, outside of any request.
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const Snapshot> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_SNAPSHOT_H_
