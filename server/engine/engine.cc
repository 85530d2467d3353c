#include "server/engine/engine.h"

#include "server/engine/live_events.h"

namespace boomerang {

Engine::Engine(const SnapshotHolder* holder, EventLog* log, ServingClock clock,
               RankingOptions ranking)
    : holder_(holder),
      log_(log),
      clock_(std::move(clock)),
      ranking_(std::move(ranking)) {}

Engine::~Engine() {
  // The log may outlive the engine: stop feeding a view that is going.
  if (log_ != nullptr && live_ != nullptr) log_->SetListener(nullptr);
}

absl::Status Engine::Start() {
  if (log_ == nullptr) return absl::OkStatus();
  std::shared_ptr<const Snapshot> snapshot = holder_->Current();
  const int64_t after = snapshot != nullptr ? snapshot->data_end_seconds() : 0;
  auto live = LiveView::Build(*log_, after);
  if (!live.ok()) return live.status();
  live_ = std::move(*live);
  // Before any append can run (the server is not serving yet): every
  // accepted event reaches the view before its caller hears back.
  LiveView* view = live_.get();
  log_->SetListener([view](const std::vector<const v1::Event*>& events) {
    view->Add(events);
  });
  return absl::OkStatus();
}

void Engine::OnSnapshotSwapped() {
  if (live_ == nullptr) return;
  std::shared_ptr<const Snapshot> snapshot = holder_->Current();
  if (snapshot == nullptr) return;
  // A rollback re-reads the log; should that read fail (the log's storage
  // is unreadable) the view keeps what was read, and requests miss the
  // rest until the next swap.
  (void)live_->KeepAfter(*log_, snapshot->data_end_seconds());
}

absl::StatusOr<View> Engine::Acquire() const {
  std::shared_ptr<const Snapshot> snapshot = holder_->Current();
  if (snapshot == nullptr) {
    return absl::UnavailableError("no snapshot loaded yet");
  }
  return View{std::move(snapshot), live_.get(), clock_, &ranking_};
}

void Engine::RecordEventsAsync(const v1::RecordEventsRequest& request,
                               v1::RecordEventsResponse* response,
                               std::function<void(absl::Status)> done) const {
  boomerang::RecordEventsAsync(log_, clock_, request, response,
                               std::move(done));
}

absl::Status Engine::RecordEvents(const v1::RecordEventsRequest& request,
                                  v1::RecordEventsResponse* response) const {
  return boomerang::RecordEvents(log_, clock_, request, response);
}

}  // namespace boomerang
