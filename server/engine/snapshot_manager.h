// SnapshotManager: keeps the serving snapshot current. It loads the first
// version at start, then on its own thread polls the snapshot root, loads a
// newer complete version (or the pinned one), checks it (checksums while
// loading, every table parsed, a smoke query), swaps it into the
// SnapshotHolder in one step, and frees the old one on its thread once the
// requests that still hold it have finished. A version that fails to load is
// reported (status, log) and not retried until its manifest changes; the old
// version keeps serving.
//
// As in TensorFlow Serving's AspiredVersionsManager: loading is expensive
// and happens off the request path, the new version is complete before it
// is visible, and no request thread ever frees a version.
//
// Thread-safety: thread-safe. Reload and Pin are asynchronous: `done` runs
// on the manager's thread when the attempt has finished.
#ifndef BOOMERANG_SERVER_ENGINE_SNAPSHOT_MANAGER_H_
#define BOOMERANG_SERVER_ENGINE_SNAPSHOT_MANAGER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "boomerang/v1/admin.pb.h"
#include "models/snapshot/snapshot.h"

namespace boomerang {

struct SnapshotManagerOptions {
  std::string root;  // the snapshot root (required)
  // Serve exactly this version (0: follow the newest complete version).
  int64_t pinned_version = 0;
  // How often to look for a new version; 0 disables polling (Reload only).
  double poll_seconds = 10;
  SnapshotOptions load;
  // Log lines (may be null).
  std::function<void(const std::string&)> log;
  // Called on the manager's thread right before a loaded version replaces
  // the serving one (not for the first load), and when the last retired
  // version is freed (no request holds an older version any more): the
  // engine's live view follows them.
  std::function<void(const Snapshot& incoming)> before_swap;
  std::function<void()> on_retired_freed;
};

class SnapshotManager {
 public:
  // Loads the first version (the pinned one, or the newest that loads,
  // skipping corrupt newer ones) into `holder` and starts the manager's
  // thread. Fails when nothing loads. REQUIRES: `holder` outlives the
  // manager.
  static absl::StatusOr<std::unique_ptr<SnapshotManager>> Start(
      const SnapshotManagerOptions& options, SnapshotHolder* holder);
  // Stops the thread; pending Reload/Pin calls get UNAVAILABLE.
  ~SnapshotManager();

  using Done =
      std::function<void(const absl::Status&, const v1::ServerStatus&)>;
  // Checks the root now (as a poll would, but retrying failed versions).
  void Reload(Done done);
  // Serves `version` from now on (0: follow the newest again).
  void Pin(int64_t version, Done done);
  v1::ServerStatus Status() const;

 private:
  struct Request {
    enum Kind { kReload, kPin } kind;
    int64_t version = 0;
    Done done;
  };

  SnapshotManager(const SnapshotManagerOptions& options,
                  SnapshotHolder* holder);
  void Loop();
  // On the manager's thread: bring the serving version to the target
  // (pinned, or the newest that loads). `forced` retries failed versions.
  absl::Status Check(bool forced);
  absl::Status LoadAndSwap(int64_t version);
  void FreeRetired();
  void Log(const std::string& line) const;

  const SnapshotManagerOptions options_;
  SnapshotHolder* const holder_;

  mutable absl::Mutex mu_;
  std::deque<Request> requests_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  int64_t pinned_ ABSL_GUARDED_BY(mu_) = 0;
  v1::ServerStatus status_ ABSL_GUARDED_BY(mu_);

  // The manager's thread only.
  int64_t serving_ = 0;
  // Versions that failed to load, by their manifest's size and mtime: not
  // retried by polls until the manifest changes.
  std::map<int64_t, std::string> failed_;
  std::vector<std::shared_ptr<const Snapshot>> retired_;

  std::thread thread_;
};

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_ENGINE_SNAPSHOT_MANAGER_H_
