// The live view: every customer's events since the serving snapshot, in
// memory, kept up to date off the request path.
//
// Built once from the event log (EventLog::Replay) and then fed by the
// log's listener, which runs after an append is durable and before it is
// acknowledged: a request that follows an acknowledged RecordEvents sees it
// (read-your-writes), and no request reads the log's storage. A request
// copies its customer's events (ForCustomer) under a shard's lock: a few
// dozen events, a few microseconds.
//
// Only events after the serving snapshot's data end matter to requests
// (older ones are in the export it was built from); KeepAfter drops the rest
// when a newer snapshot is swapped in, and rebuilds the view from the log
// when an older one is (a rollback with Admin.Pin).
//
// Seams for later issues: catalog overrides (price, stock; issue 13) and
// exposures and outcomes (issue 14) are further event kinds the same log
// carries; their views sit beside this one and are fed by the same
// listener (Engine::OnLogged).
//
// Thread-safety: thread-safe.
#ifndef BOOMERANG_SERVER_ENGINE_LIVE_VIEW_H_
#define BOOMERANG_SERVER_ENGINE_LIVE_VIEW_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "boomerang/v1/recommender.pb.h"
#include "models/events/event_log.h"

namespace boomerang {

// One event as requests need it (no customer id: the view is keyed by it).
struct LiveEvent {
  v1::Event::Type type = v1::Event::TYPE_UNSPECIFIED;
  int64_t time = 0;    // unix seconds
  int64_t micros = 0;  // the same in microseconds: the order of events
  std::string item_id;
  std::string order_id;
  std::string key;  // idempotency key: an event is in the view once
  double quantity = 0;
  double price = 0;
};

class LiveView {
 public:
  // A customer keeps at most this many events (the newest), as the event
  // store's per-customer read did.
  static constexpr size_t kMaxEventsPerCustomer = 10000;

  // Reads every event of `log` after `after` (unix seconds). The caller
  // then feeds later appends through Add (the engine's log listener).
  static absl::StatusOr<std::unique_ptr<LiveView>> Build(const EventLog& log,
                                                         int64_t after);

  // Adds accepted events (from the log's listener); an event already in
  // the view (same idempotency key) is skipped.
  void Add(const std::vector<const v1::Event*>& events);

  // The customer's events in time order (a copy; empty when none): by
  // microsecond, then idempotency key, as the event store keeps them.
  std::vector<LiveEvent> ForCustomer(absl::string_view customer_id) const;

  // Keeps the events after `after` only; when `after` is earlier than the
  // view's current bound, reads the log again to get the older ones back.
  absl::Status KeepAfter(const EventLog& log, int64_t after);

  int64_t after() const;
  // Events in the view, and customers with events.
  int64_t events() const;
  int64_t customers() const;

 private:
  LiveView() = default;
  void AddOne(const v1::Event& event);
  static constexpr int kShards = 16;
  struct Shard {
    mutable absl::Mutex mu;
    absl::flat_hash_map<std::string, std::vector<LiveEvent>> by_customer
        ABSL_GUARDED_BY(mu);
    int64_t events ABSL_GUARDED_BY(mu) = 0;
  };
  Shard& ShardOf(absl::string_view customer_id) const;
  void Clear();

  // Taken by KeepAfter and Add: a rebuild and the listener never interleave.
  mutable absl::Mutex rebuild_mu_;
  int64_t after_ ABSL_GUARDED_BY(rebuild_mu_) = 0;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_ENGINE_LIVE_VIEW_H_
