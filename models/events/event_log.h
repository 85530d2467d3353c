// The live event log: where RecordEvents' events (and, with issues 13-14,
// catalog updates and exposures) are appended durably, and where whoever
// keeps a view of them reads them back.
//
// The server holds one EventLog and never a concrete store: today's
// implementation is the RocksDB store of this directory (event_store.h); a
// shared log for replicas (NATS JetStream, issue 15) implements the same
// calls. A reader builds its state with Replay() once and then follows the
// log through the listener, which sees every accepted event (duplicates
// dropped) after it is durable and before the append is acknowledged: a
// caller that got an acknowledgement reads its own write.
//
// Positions: the RocksDB store keeps events by customer and time (what the
// nightly indexer and per-customer reads need), so it has no global order
// to resume from; Replay() reads everything it keeps. A log with sequence
// numbers (JetStream) resumes a durable consumer from its own position
// inside its implementation; callers see the same two calls.
//
// Thread-safety: implementations are thread-safe.
#ifndef BOOMERANG_MODELS_EVENTS_EVENT_LOG_H_
#define BOOMERANG_MODELS_EVENTS_EVENT_LOG_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "boomerang/v1/recommender.pb.h"

namespace boomerang {

class EventLog {
 public:
  virtual ~EventLog() = default;

  struct AppendResult {
    int accepted = 0;
    int duplicates = 0;
  };
  using AppendCallback = std::function<void(absl::StatusOr<AppendResult>)>;
  // Appends the events whose idempotency key is new and calls `done` once
  // they are durable (or at once on an error: RESOURCE_EXHAUSTED when the
  // writer is too far behind, UNAVAILABLE while closing). REQUIRES: events
  // validated (non-empty customer, item and key; a timestamp).
  virtual void AppendAsync(std::vector<v1::Event> events,
                           AppendCallback done) = 0;

  // Calls `fn` for every event the log keeps (retention may have dropped
  // old ones), stopping when it returns false.
  virtual absl::Status Replay(
      const std::function<bool(const v1::Event&)>& fn) const = 0;

  // Called with the events of each append that were accepted, once they
  // are durable and before the append's `done` (on the log's writer
  // thread: keep it short). One listener; setting another (or null) waits
  // for a call in progress, so that the old one may be destroyed after.
  using Listener = std::function<void(const std::vector<const v1::Event*>&)>;
  virtual void SetListener(Listener listener) = 0;

  // For /metrics and logs.
  virtual int64_t events_accepted() const = 0;    // ever, duplicates not
  virtual int64_t newest_event_time() const = 0;  // unix seconds, 0: none
  virtual int64_t last_append_time() const = 0;   // 0: not since start
  virtual int64_t ApproximateBytes() const = 0;
};

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_EVENTS_EVENT_LOG_H_
