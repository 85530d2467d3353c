#include "server/engine/engine.h"

#include "absl/synchronization/notification.h"
#include "server/engine/catalog_updates.h"
#include "server/engine/live_events.h"

namespace boomerang {

Engine::Engine(const SnapshotHolder* holder, EventLog* log, ServingClock clock,
               RankingOptions ranking, ExperimentsSettings experiments)
    : holder_(holder),
      log_(log),
      clock_(std::move(clock)),
      ranking_(std::move(ranking)),
      experiments_(std::make_unique<ExperimentsState>(std::move(experiments),
                                                      ranking_)) {
  if (log_ == nullptr) {
    started_ = true;
    return;
  }
  // Before anything can be appended: every accepted event reaches the view
  // before its caller hears back, also while Start reads the log.
  live_ = std::make_unique<LiveView>();
  catalog_ = std::make_unique<CatalogView>();
  LiveView* view = live_.get();
  CatalogView* catalog = catalog_.get();
  ExperimentsState* exposures = experiments_.get();
  log_->SetListener(
      [view, catalog, exposures](const std::vector<const v1::Event*>& events) {
        view->Add(events);
        catalog->Add(events);
        exposures->Add(events);
      });
}

Engine::~Engine() {
  // The log may outlive the engine: stop feeding a view that is going
  // (SetListener waits for a call in progress).
  if (log_ != nullptr) log_->SetListener(nullptr);
}

absl::Status Engine::Start() {
  absl::Status loaded = experiments_->Load();
  if (!loaded.ok()) return loaded;
  if (log_ == nullptr) return absl::OkStatus();
  std::shared_ptr<const Snapshot> snapshot = holder_->Current();
  const int64_t after = snapshot != nullptr ? snapshot->data_end_seconds() : 0;
  // Every catalog update the log keeps: the overlay of each snapshot takes
  // those after its catalog_time. A duplicate of one the listener added
  // meanwhile is skipped by its key.
  absl::Status s = catalog_->Read(*log_);
  if (s.ok()) s = live_->KeepAfter(*log_, after);
  // The experiments' counts: every impression, click, cart add and
  // purchase the log keeps.
  if (s.ok()) s = experiments_->Replay(*log_);
  // A rollback swapped in meanwhile (before the view was read, so its
  // BeforeSnapshotSwap did nothing) needs older events.
  snapshot = holder_->Current();
  if (s.ok() && snapshot != nullptr &&
      snapshot->data_end_seconds() < live_->after()) {
    s = live_->KeepAfter(*log_, snapshot->data_end_seconds());
  }
  if (s.ok()) started_.store(true, std::memory_order_release);
  return s;
}

absl::Status Engine::BeforeSnapshotSwap(const Snapshot& incoming) {
  // A newer snapshot changes nothing yet: requests still on the older one
  // need the events between the two data ends (OnOlderSnapshotsFreed drops
  // them later).
  if (live_ == nullptr || !live_->read() ||
      incoming.data_end_seconds() >= live_->after()) {
    return absl::OkStatus();
  }
  return live_->KeepAfter(*log_, incoming.data_end_seconds());
}

void Engine::OnOlderSnapshotsFreed() {
  if (live_ == nullptr || !live_->read()) return;
  std::shared_ptr<const Snapshot> snapshot = holder_->Current();
  if (snapshot == nullptr) return;
  // Only drops (a later bound prunes in place; never reads the log).
  if (snapshot->data_end_seconds() > live_->after()) {
    live_->KeepAfter(*log_, snapshot->data_end_seconds()).IgnoreError();
  }
}

absl::StatusOr<View> Engine::Acquire() const {
  if (!started_.load(std::memory_order_acquire)) {
    return absl::UnavailableError("starting: reading the live events");
  }
  std::shared_ptr<const Snapshot> snapshot = holder_->Current();
  if (snapshot == nullptr) {
    return absl::UnavailableError("no snapshot loaded yet");
  }
  std::shared_ptr<const CatalogOverlay> catalog =
      catalog_ != nullptr ? catalog_->For(snapshot) : nullptr;
  return View{std::move(snapshot), live_.get(),        clock_,
              &ranking_,           std::move(catalog), experiments_->config()};
}
void Engine::RecordEventsAsync(const v1::RecordEventsRequest& request,
                               v1::RecordEventsResponse* response,
                               std::function<void(absl::Status)> done) const {
  // Until the log is read, an append could be counted twice (once by the
  // read, once by the listener): refused, the caller retries.
  if (!started_.load(std::memory_order_acquire)) {
    done(absl::UnavailableError("starting: reading the live events"));
    return;
  }
  boomerang::RecordEventsAsync(log_, clock_, request, response,
                               std::move(done));
}

absl::Status Engine::RecordEvents(const v1::RecordEventsRequest& request,
                                  v1::RecordEventsResponse* response) const {
  return boomerang::RecordEvents(log_, clock_, request, response);
}

void Engine::UpdateItemsAsync(const v1::UpdateItemsRequest& request,
                              v1::UpdateItemsResponse* response,
                              std::function<void(absl::Status)> done) const {
  if (!started_.load(std::memory_order_acquire)) {
    done(absl::UnavailableError("starting: reading the live events"));
    return;
  }
  std::shared_ptr<const Snapshot> snapshot = holder_->Current();
  boomerang::UpdateItemsAsync(log_, clock_, snapshot.get(), request, response,
                              std::move(done));
}

absl::Status Engine::UpdateItems(const v1::UpdateItemsRequest& request,
                                 v1::UpdateItemsResponse* response) const {
  absl::Status status;
  absl::Notification done;
  UpdateItemsAsync(request, response, [&](absl::Status s) {
    status = std::move(s);
    done.Notify();
  });
  done.WaitForNotification();
  return status;
}

}  // namespace boomerang
