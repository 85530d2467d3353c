// The engine: the server's state and use cases without any transport. It
// owns nothing it is given; it holds
//   - the serving snapshot (through the SnapshotHolder the SnapshotManager
//     swaps),
//   - the live event log (an EventLog; null: RecordEvents is refused) and
//     the live view it keeps from it, off the request path,
//   - the clock requests without as_of are answered for,
//   - the ranking options (models/rank/ranking_options.h).
// A request takes one View (Acquire) at its start and calls a use case of
// server/engine/lists.h or retention.h with it; gRPC (server/grpc/), the
// HTTP side door (server/http/) and the evaluation tools all go through
// here.
//
// Thread-safety: thread-safe after Start.
#ifndef BOOMERANG_SERVER_ENGINE_ENGINE_H_
#define BOOMERANG_SERVER_ENGINE_ENGINE_H_

#include <atomic>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "boomerang/v1/recommender.pb.h"
#include "models/events/event_log.h"
#include "models/rank/ranking_options.h"
#include "models/snapshot/snapshot.h"
#include "server/engine/catalog_view.h"
#include "server/engine/clock.h"
#include "server/engine/experiments.h"
#include "server/engine/live_view.h"
#include "server/engine/view.h"

namespace boomerang {

class Engine {
 public:
  // REQUIRES: `holder` and `log` (may be null) outlive the engine.
  Engine(const SnapshotHolder* holder, EventLog* log, ServingClock clock,
         RankingOptions ranking = {}, ExperimentsSettings experiments = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // The live view follows the log from construction (every append is in
  // it before it is acknowledged); Start reads the log into it (events
  // after the serving snapshot's data end). Call once, after the first
  // snapshot is loaded; until it returns, Acquire says UNAVAILABLE. A
  // no-op without a log.
  absl::Status Start();
  // Before `incoming` starts serving (the SnapshotManager's swap): an older
  // snapshot (a rollback) needs older events, read from the log again
  // before it serves.
  absl::Status BeforeSnapshotSwap(const Snapshot& incoming);
  // When no request holds an older snapshot any more: the live view drops
  // what the serving snapshot has.
  void OnOlderSnapshotsFreed();

  // One request's view; UNAVAILABLE before a snapshot is loaded and the
  // live events are read.
  absl::StatusOr<View> Acquire() const;

  // RecordEvents and UpdateItems: UNAVAILABLE until Start has read the log
  // (an append meanwhile could be counted twice).
  // RecordEvents: validates and appends to the log; `done` once durable
  // (server/engine/live_events.h). The live view has the events before
  // `done` runs.
  void RecordEventsAsync(const v1::RecordEventsRequest& request,
                         v1::RecordEventsResponse* response,
                         std::function<void(absl::Status)> done) const;
  absl::Status RecordEvents(const v1::RecordEventsRequest& request,
                            v1::RecordEventsResponse* response) const;

  // UpdateItems: validates and appends ITEM_UPDATE events to the log;
  // `done` once durable (server/engine/catalog_updates.h). The catalog
  // view has them before `done` runs.
  void UpdateItemsAsync(const v1::UpdateItemsRequest& request,
                        v1::UpdateItemsResponse* response,
                        std::function<void(absl::Status)> done) const;
  absl::Status UpdateItems(const v1::UpdateItemsRequest& request,
                           v1::UpdateItemsResponse* response) const;

  const SnapshotHolder& holder() const { return *holder_; }
  EventLog* event_log() const { return log_; }
  const LiveView* live_view() const { return live_.get(); }
  const CatalogView* catalog_view() const { return catalog_.get(); }
  const ServingClock& clock() const { return clock_; }
  const RankingOptions& ranking() const { return ranking_; }
  // The experiments config, the arms' exposure ledger and the report.
  ExperimentsState& experiments() const { return *experiments_; }

 private:
  const SnapshotHolder* const holder_;
  EventLog* const log_;
  const ServingClock clock_;
  const RankingOptions ranking_;
  std::unique_ptr<LiveView> live_;        // with a log
  std::unique_ptr<CatalogView> catalog_;  // with a log
  std::unique_ptr<ExperimentsState> experiments_;
  std::atomic<bool> started_{false};
};

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_ENGINE_ENGINE_H_
