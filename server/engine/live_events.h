// Live events on top of a snapshot: what a customer did since the snapshot
// was built (the live view, server/engine/live_view.h), applied per request
// so that the next answer reflects it; and RecordEvents' validation.
//
// Only events after the snapshot's data end count: earlier ones are taken
// to be in the export the snapshot was built from. Purchases join the
// customer's record (orders, per-item purchase times), so BuyAgain timing,
// profiles, "due again" and "already bought" all see them; the live cart
// (adds minus removes minus purchases, last 30 days before the request's
// moment) and recent views (last 7 days) are returned for CrossSell and
// PersonalPicks.
//
// Thread-safety: thread-safe.
#ifndef BOOMERANG_SERVER_ENGINE_LIVE_EVENTS_H_
#define BOOMERANG_SERVER_ENGINE_LIVE_EVENTS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "boomerang/v1/recommender.pb.h"
#include "boomerang/v1/snapshot.pb.h"
#include "models/events/event_log.h"
#include "models/snapshot/snapshot.h"
#include "server/engine/clock.h"
#include "server/engine/view.h"

namespace boomerang {

struct LiveActivity {
  std::vector<std::string> cart;    // item ids, oldest first
  std::vector<std::string> views;   // item ids, newest first, distinct
  int purchases = 0;                // live purchases applied
  std::vector<std::string> bought;  // their item ids, distinct
};

// Validates a RecordEvents batch and appends it to `log`, then calls `done`
// (on the log's writer thread once the events are durable, or at once on an
// error): INVALID_ARGUMENT naming the event (by position) and the field;
// FAILED_PRECONDITION without a log (null); RESOURCE_EXHAUSTED when the
// log's writer is too far behind. Timestamps more than a day after
// `clock`'s machine time are refused. `response` is filled before `done`
// and must live until then.
void RecordEventsAsync(EventLog* log, const ServingClock& clock,
                       const v1::RecordEventsRequest& request,
                       v1::RecordEventsResponse* response,
                       std::function<void(absl::Status)> done);
// The same, waiting for the result.
absl::Status RecordEvents(EventLog* log, const ServingClock& clock,
                          const v1::RecordEventsRequest& request,
                          v1::RecordEventsResponse* response);

// The latest purchase of the export `snapshot` was built from, unix
// seconds (its data end counts live purchases from the event store too);
// 0 when unknown. Live events up to this are in the export.
int64_t ExportDataEnd(const Snapshot& snapshot);

// Applies the live events of `customer_id` in `view` to `record` (which may
// be empty for a customer the snapshot does not know) and fills `activity`.
// `now` (the request's moment) bounds the cart and view windows. No-op
// without live events.
void ApplyLiveEvents(const View& view, absl::string_view customer_id,
                     int64_t now, v1::CustomerRecord* record,
                     LiveActivity* activity);

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_ENGINE_LIVE_EVENTS_H_
