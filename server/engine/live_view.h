// The live view: every customer's events since the serving snapshot, in
// memory, kept up to date off the request path.
//
// Fed by the log's listener from before the first read (Add), which runs
// after an append is durable and before it is acknowledged: a request that
// follows an acknowledged RecordEvents sees it (read-your-writes), and no
// request reads the log's storage. Filled from the log by KeepAfter (a
// replay), whose result is merged with what the listener added meanwhile:
// no event is missed or kept twice, and readers never see the view empty
// while it is read. A request copies its customer's events (ForCustomer)
// under a shard's lock: a few dozen events, a few microseconds.
//
// Only purchases after the serving snapshot's data end matter to requests
// (older ones are in the export it was built from); views, cart changes and
// messages sent are in no export, so they are kept for kBehaviourDays
// before that bound (the cart, the triggers' lookback and the contact
// log's re-entry windows need them after a nightly rebuild). The engine drops
// the rest once no request holds an older snapshot (KeepAfter with a later
// bound prunes in place), and reads the log again when an older snapshot
// serves (a rollback with Admin.Pin: KeepAfter with an earlier bound).
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
  std::string session_id;
  // MESSAGE_SENT: what was sent (shared: events are copied per request).
  std::shared_ptr<const v1::MessageSent> message;
};

class LiveView {
 public:
  // A customer keeps at most this many events (the newest), as the event
  // store's per-customer read did.
  static constexpr size_t kMaxEventsPerCustomer = 10000;
  // How long before the bound events other than purchases are kept.
  static constexpr int64_t kBehaviourDays = 35;
  // Whether an event at `time` of `type` is kept under bound `after`.
  static bool Keeps(v1::Event::Type type, int64_t time, int64_t after) {
    // Impressions and clicks are the experiments' (ExperimentsState).
    if (type == v1::Event::IMPRESSION || type == v1::Event::CLICK) {
      return false;
    }
    return type == v1::Event::PURCHASE ? time > after
                                       : time > after - kBehaviourDays * 86400;
  }

  // An empty view; feed it (Add) from the log's listener, then fill it
  // (KeepAfter).
  LiveView() = default;
  // The same, filled with every event of `log` after `after`.
  static absl::StatusOr<std::unique_ptr<LiveView>> Build(const EventLog& log,
                                                         int64_t after);

  // Adds accepted events (from the log's listener); an event already in
  // the view (same time and idempotency key) is skipped.
  void Add(const std::vector<const v1::Event*>& events);

  // The customer's newest kMaxEventsPerCustomer events in time order (a
  // copy; empty when none): by microsecond, then idempotency key, as the
  // event store keeps them.
  std::vector<LiveEvent> ForCustomer(absl::string_view customer_id) const;

  // Keeps the events after `after` only: in place when the view has been
  // read and `after` is not earlier than its bound; otherwise by reading
  // the log (the first time, or to get older events back). Calls are
  // serialized; Add and ForCustomer go on meanwhile.
  absl::Status KeepAfter(const EventLog& log, int64_t after);

  // Every customer with events in the view, sorted (for audience runs over
  // customers the snapshot does not know).
  std::vector<std::string> Customers() const;

  int64_t after() const;
  bool read() const;  // whether KeepAfter has read the log
  // Events in the view, and customers with events.
  int64_t events() const;
  int64_t customers() const;

 private:
  using Events = std::vector<LiveEvent>;
  using Map = absl::flat_hash_map<std::string, Events>;
  static constexpr int kShards = 16;
  struct Shard {
    mutable absl::Mutex mu;
    Map by_customer ABSL_GUARDED_BY(mu);
    int64_t events ABSL_GUARDED_BY(mu) = 0;
  };
  static size_t ShardIndex(absl::string_view customer_id);
  // Inserts in order unless present (copying `event` only then); keeps
  // the newest events, dropping the oldest in a batch once a customer has
  // twice kMaxEventsPerCustomer (a shared guest id must not make each
  // insert shift thousands). Returns the change in the count.
  template <typename E>
  static int64_t Insert(E&& event, Events* events);
  static LiveEvent ToLive(const v1::Event& e);
  void PruneInPlace(int64_t after);
  absl::Status ReadLog(const EventLog& log, int64_t after);

  // Serializes KeepAfter calls.
  absl::Mutex keep_mu_;
  // Taken by Add (for its whole batch) and by KeepAfter to move the bound:
  // once the bound has moved up, no event at or below it is added; the
  // pruning and merging that follow take one shard lock at a time.
  mutable absl::Mutex bound_mu_;
  int64_t after_ ABSL_GUARDED_BY(bound_mu_) = 0;
  bool read_ ABSL_GUARDED_BY(bound_mu_) = false;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_ENGINE_LIVE_VIEW_H_
