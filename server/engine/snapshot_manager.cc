#include "server/engine/snapshot_manager.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "models/snapshot/snapshot_dir.h"
#include "server/engine/lists.h"

namespace boomerang {
namespace {

void SetNow(google::protobuf::Timestamp* t) {
  t->set_seconds(absl::ToUnixSeconds(absl::Now()));
  t->set_nanos(0);
}

// What identifies a published version's contents: its manifest's size and
// modification time (a version directory is immutable once published, so a
// change means someone replaced it).
std::string ManifestSignature(const std::string& dir) {
  std::error_code ec;
  const std::string path = absl::StrCat(dir, "/", kManifestFile);
  const auto size = std::filesystem::file_size(path, ec);
  const auto mtime = std::filesystem::last_write_time(path, ec);
  return absl::StrCat(static_cast<int64_t>(size), "@",
                      mtime.time_since_epoch().count());
}

// A loaded snapshot must answer the two most common calls before it serves.
absl::Status SmokeTest(const std::shared_ptr<const Snapshot>& handle) {
  const Snapshot& snapshot = *handle;
  if (snapshot.num_items() == 0) {
    return absl::FailedPreconditionError("the snapshot has no items");
  }
  v1::FrequentlyBoughtTogetherRequest fbt;
  fbt.add_item_ids(snapshot.popular().overall_size() > 0
                       ? snapshot.popular().overall(0).item_id()
                       : snapshot.item_id(0));
  v1::FrequentlyBoughtTogetherResponse fbt_response;
  // The snapshot alone: live events play no part in whether it loads.
  const View view = ViewOf(snapshot);
  absl::Status s = FrequentlyBoughtTogether(view, fbt, &fbt_response);
  if (!s.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "smoke query FrequentlyBoughtTogether failed: ", s.message()));
  }
  v1::PersonalPicksRequest picks;
  picks.set_customer_id("boomerang-smoke-test");
  v1::RecommendationsResponse picks_response;
  s = PersonalPicks(view, picks, &picks_response);
  if (!s.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("smoke query PersonalPicks failed: ", s.message()));
  }
  return absl::OkStatus();
}

}  // namespace

SnapshotManager::SnapshotManager(const SnapshotManagerOptions& options,
                                 SnapshotHolder* holder)
    : options_(options), holder_(holder) {}

absl::StatusOr<std::unique_ptr<SnapshotManager>> SnapshotManager::Start(
    const SnapshotManagerOptions& options, SnapshotHolder* holder) {
  std::unique_ptr<SnapshotManager> m(new SnapshotManager(options, holder));
  const absl::Time started = absl::Now();
  auto first = Snapshot::OpenNewest(
      options.root, options.pinned_version, options.load,
      [&m](const std::string& dir, const absl::Status& why) {
        m->Log(absl::StrCat("skipping snapshot ", dir, ": ", why.message(),
                            "; trying the previous version"));
      });
  if (!first.ok()) return first.status();
  absl::Status s = SmokeTest(*first);
  if (!s.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("snapshot ", (*first)->version(), ": ", s.message()));
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - started);
  m->Log(absl::StrFormat("loaded snapshot %s (%d items, %d pairs) in %.2f s",
                         (*first)->version(), (*first)->num_items(),
                         (*first)->manifest().counts().pairs_kept(), seconds));
  if (!(*first)->picks_ranker_note().empty()) {
    m->Log(absl::StrCat(
        "snapshot ", (*first)->version(),
        ": its picks ranker is not used: ", (*first)->picks_ranker_note(),
        "; PersonalPicks ranks by hand-set weights"));
  }
  int64_t version = 0;
  if (!absl::SimpleAtoi((*first)->version(), &version)) version = 0;
  m->serving_ = version;
  {
    absl::MutexLock lock(&m->mu_);
    m->pinned_ = options.pinned_version;
    m->status_.set_serving_version((*first)->version());
    SetNow(m->status_.mutable_serving_since());
    m->status_.set_serving_created_at((*first)->manifest().created_at());
    m->status_.set_pinned_version(options.pinned_version);
    m->status_.set_last_load_seconds(seconds);
  }
  holder->Set(std::move(*first));
  m->thread_ = std::thread([raw = m.get()] { raw->Loop(); });
  return m;
}

SnapshotManager::~SnapshotManager() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
  // Requests that arrived after the thread's last round.
  std::deque<Request> left;
  v1::ServerStatus status;
  {
    absl::MutexLock lock(&mu_);
    left.swap(requests_);
    status = status_;
  }
  for (Request& r : left) {
    r.done(absl::UnavailableError("the server is shutting down"), status);
  }
}

void SnapshotManager::Reload(Done done) {
  absl::MutexLock lock(&mu_);
  requests_.push_back(Request{Request::kReload, 0, std::move(done)});
}

void SnapshotManager::Pin(int64_t version, Done done) {
  absl::MutexLock lock(&mu_);
  requests_.push_back(Request{Request::kPin, version, std::move(done)});
}

v1::ServerStatus SnapshotManager::Status() const {
  absl::MutexLock lock(&mu_);
  v1::ServerStatus s = status_;
  return s;
}

void SnapshotManager::Log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

void SnapshotManager::Loop() {
  // Loading checksums and decodes a whole snapshot: on a busy machine it
  // should take the cores the request threads leave, not theirs. Linux
  // applies a nice value per thread (measured in BENCHMARKS.md).
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
  const absl::Duration poll = options_.poll_seconds > 0
                                  ? absl::Seconds(options_.poll_seconds)
                                  : absl::InfiniteDuration();
  // Retired versions are looked at every second even without polling.
  const absl::Duration tick = std::min(poll, absl::Seconds(1));
  absl::Time next_poll = absl::Now() + poll;
  for (;;) {
    Request request;
    bool have_request = false;
    {
      absl::MutexLock lock(&mu_);
      auto wake = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stop_ || !requests_.empty();
      };
      mu_.AwaitWithTimeout(absl::Condition(&wake), tick);
      if (stop_) return;
      if (!requests_.empty()) {
        request = std::move(requests_.front());
        requests_.pop_front();
        have_request = true;
      }
    }
    if (have_request) {
      absl::Status s;
      if (request.kind == Request::kPin) {
        if (request.version < 0) {
          s = absl::InvalidArgumentError("version must be >= 0");
        } else {
          int64_t before;
          {
            absl::MutexLock lock(&mu_);
            before = pinned_;
            pinned_ = request.version;
            status_.set_pinned_version(request.version);
          }
          s = Check(/*forced=*/true);
          if (!s.ok()) {  // keep the previous pin when the new one fails
            absl::MutexLock lock(&mu_);
            pinned_ = before;
            status_.set_pinned_version(before);
          } else {
            Log(request.version == 0
                    ? "unpinned: following the newest snapshot"
                    : absl::StrCat("pinned snapshot ",
                                   VersionName(request.version)));
          }
        }
      } else {
        s = Check(/*forced=*/true);
      }
      request.done(s, Status());
    } else if (absl::Now() >= next_poll) {
      Check(/*forced=*/false).IgnoreError();  // reported in the status
      next_poll = absl::Now() + poll;
    }
    FreeRetired();
  }
}

absl::Status SnapshotManager::Check(bool forced) {
  auto versions = ListCompleteVersions(options_.root);
  int64_t pinned;
  {
    absl::MutexLock lock(&mu_);
    SetNow(status_.mutable_last_check());
    pinned = pinned_;
    if (versions.ok() && !versions->empty()) {
      status_.set_newest_version(VersionName(versions->back()));
    }
  }
  if (!versions.ok()) return versions.status();
  if (pinned != 0) {
    if (std::find(versions->begin(), versions->end(), pinned) ==
        versions->end()) {
      return absl::NotFoundError(absl::StrCat("snapshot version ", pinned,
                                              " is not a complete snapshot in ",
                                              options_.root));
    }
    if (pinned == serving_) return absl::OkStatus();
    return LoadAndSwap(pinned);
  }
  // The newest version that loads, if newer than the serving one; failed
  // versions are skipped (unless forced) until their manifest changes.
  absl::Status last = absl::OkStatus();
  for (auto it = versions->rbegin(); it != versions->rend() && *it > serving_;
       ++it) {
    const std::string dir = absl::StrCat(options_.root, "/", VersionName(*it));
    auto failed = failed_.find(*it);
    if (!forced && failed != failed_.end() &&
        failed->second == ManifestSignature(dir)) {
      continue;
    }
    last = LoadAndSwap(*it);
    if (last.ok()) return last;
  }
  return last;
}

absl::Status SnapshotManager::LoadAndSwap(int64_t version) {
  const std::string dir =
      absl::StrCat(options_.root, "/", VersionName(version));
  const absl::Time started = absl::Now();
  auto snapshot = Snapshot::Open(dir, options_.load);
  absl::Status s = snapshot.status();
  if (s.ok()) s = SmokeTest(*snapshot);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - started);
  if (!s.ok()) {
    failed_[version] = ManifestSignature(dir);
    Log(absl::StrCat("snapshot ", VersionName(version),
                     " failed to load, still serving ", VersionName(serving_),
                     ": ", s.message()));
    absl::MutexLock lock(&mu_);
    status_.set_last_error(std::string(s.message()));
    status_.set_last_error_version(VersionName(version));
    status_.set_failed_loads(status_.failed_loads() + 1);
    return absl::FailedPreconditionError(absl::StrCat(
        "snapshot ", VersionName(version), " does not load: ", s.message()));
  }
  failed_.erase(version);
  // The old version: kept here until no request holds it.
  if (options_.before_swap) options_.before_swap(**snapshot);
  retired_.push_back(holder_->Current());
  holder_->Set(*snapshot);
  const std::string old = VersionName(serving_);
  serving_ = version;
  Log(absl::StrFormat("swapped in snapshot %s (was %s), loaded in %.2f s",
                      VersionName(version), old, seconds));
  absl::MutexLock lock(&mu_);
  status_.set_serving_version(VersionName(version));
  SetNow(status_.mutable_serving_since());
  status_.set_serving_created_at((*snapshot)->manifest().created_at());
  status_.set_swaps(status_.swaps() + 1);
  status_.set_last_load_seconds(seconds);
  // A failure of a newer version stays reported while it is still newer
  // than what serves (e.g. after a rollback below it).
  int64_t failed_version = 0;
  if (absl::SimpleAtoi(status_.last_error_version(), &failed_version) &&
      failed_version <= version) {
    status_.clear_last_error();
    status_.clear_last_error_version();
  }
  status_.set_retired_versions(static_cast<int32_t>(retired_.size()));
  return absl::OkStatus();
}

void SnapshotManager::FreeRetired() {
  if (retired_.empty()) return;
  // use_count() == 1: only this list holds it; no request can get it again
  // (the holder no longer does). Freed here, on the manager's thread.
  retired_.erase(std::remove_if(retired_.begin(), retired_.end(),
                                [](const std::shared_ptr<const Snapshot>& s) {
                                  return s == nullptr || s.use_count() == 1;
                                }),
                 retired_.end());
  if (retired_.empty() && options_.on_retired_freed) {
    options_.on_retired_freed();
  }
  absl::MutexLock lock(&mu_);
  status_.set_retired_versions(static_cast<int32_t>(retired_.size()));
}

}  // namespace boomerang
