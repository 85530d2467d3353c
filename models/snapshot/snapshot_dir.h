// Snapshot directories on disk: finding versions, checksums, the manifest,
// and publishing a new version atomically. The names are in layout.h, the
// records in proto/boomerang/v1/snapshot.proto.
//
// Publishing (SnapshotBuilder) follows one rule: a reader never sees a
// half-written snapshot. The builder writes into <root>/.tmp-<pid>-<n>/,
// fsyncs every file, writes manifest.json last, renames the directory to
// the next six-digit version and fsyncs <root>. A run that dies leaves only
// a .tmp-* directory, which readers ignore and the next builder removes.
//
// Whether a .tmp-* directory is dead is decided by a lock, not a pid: the
// builder holds flock(2) on <root>/.tmp-<id>.lock for its whole life, and a
// cleaner removes a directory only when it can take that lock. A pid check
// would delete a live run's directory when two runs share the root from
// different PID namespaces (containers sharing a volume).
//
// Thread-safety: SnapshotBuilder is single-threaded; the free functions are
// thread-safe.
#ifndef BOOMERANG_MODELS_SNAPSHOT_SNAPSHOT_DIR_H_
#define BOOMERANG_MODELS_SNAPSHOT_SNAPSHOT_DIR_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "boomerang/v1/snapshot.pb.h"
#include "models/snapshot/layout.h"

namespace boomerang {

// "000042" for 42.
std::string VersionName(int64_t version);

// Versions of the complete snapshots under `root` (numbered directories that
// hold a manifest), ascending. NOT_FOUND when `root` does not exist.
absl::StatusOr<std::vector<int64_t>> ListCompleteVersions(
    const std::string& root);

absl::StatusOr<v1::SnapshotManifest> ReadManifest(const std::string& dir);

// Recomputes the checksum of every file the manifest lists and checks that
// no listed file is missing. DATA_LOSS naming the file on a mismatch.
absl::Status VerifyChecksums(const std::string& dir,
                             const v1::SnapshotManifest& manifest);

// Lower-case hex SHA-256 of a file.
absl::StatusOr<std::string> Sha256File(const std::string& path);

class SnapshotBuilder {
 public:
  // Creates a fresh temporary directory under `root` (creating `root` if
  // needed) and removes temporary directories left by dead runs.
  static absl::StatusOr<std::unique_ptr<SnapshotBuilder>> Begin(
      const std::string& root);
  // Removes the temporary directory unless Publish() succeeded.
  ~SnapshotBuilder();

  // Where to write the snapshot's files (the tables go in dir()/tables).
  const std::string& dir() const { return tmp_dir_; }

  // Checksums and fsyncs every file in dir(), fills `manifest`'s version,
  // format_version and files, writes it, and renames dir() to the next
  // version. Returns the published directory. `check`, when given, is called
  // once with dir() once it is complete (manifest written), before the
  // rename; when it fails, nothing is published and its status is returned.
  absl::StatusOr<std::string> Publish(
      v1::SnapshotManifest manifest,
      const std::function<absl::Status(const std::string&)>& check = nullptr);

 private:
  SnapshotBuilder() = default;
  std::string root_;
  std::string tmp_dir_;
  std::string lock_path_;
  int lock_fd_ = -1;
  bool published_ = false;
};

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_SNAPSHOT_SNAPSHOT_DIR_H_
