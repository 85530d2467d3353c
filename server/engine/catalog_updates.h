// UpdateItems: live catalog changes, validated and appended to the event
// log as ITEM_UPDATE events (the log's listener hands them to the catalog
// view, catalog_view.h), and the price of an item at a moment.
//
// Thread-safety: thread-safe.
#ifndef BOOMERANG_SERVER_ENGINE_CATALOG_UPDATES_H_
#define BOOMERANG_SERVER_ENGINE_CATALOG_UPDATES_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "boomerang/v1/recommender.pb.h"
#include "boomerang/v1/snapshot.pb.h"
#include "models/events/event_log.h"
#include "models/snapshot/snapshot.h"
#include "server/engine/clock.h"
#include "server/engine/view.h"

namespace boomerang {

// At most this many updates per UpdateItems call (the proto's limit).
inline constexpr int kMaxItemUpdates = 10000;

// Validates `request` and appends one ITEM_UPDATE event per update to
// `log`, then calls `done` (on the log's writer thread once durable, or at
// once on an error): INVALID_ARGUMENT naming the update (by position) and
// the field (empty or over-long id, control characters, a negative or
// non-finite price, a negative quantity, too many updates, a timestamp
// more than a day ahead); FAILED_PRECONDITION without a log. An update
// without an idempotency key gets one derived from the item, the fields
// and the timestamp, so a retry of the same change is a duplicate.
// `snapshot` (may be null) names the new items in the response.
void UpdateItemsAsync(EventLog* log, const ServingClock& clock,
                      const Snapshot* snapshot,
                      const v1::UpdateItemsRequest& request,
                      v1::UpdateItemsResponse* response,
                      std::function<void(absl::Status)> done);

// The item's price history as the server knows it: the price the snapshot
// was built with, then the live updates after the snapshot's catalog
// (oldest first). Empty for an index outside the view's items.
std::vector<v1::PriceChange> PriceHistoryOf(const View& view, int32_t item);

// The price `item` (a dense index of view.items()) had at `time` (unix
// seconds): the last change at or before it, the catalog price before the
// first live change (and before the catalog's own time), 0 when unknown.
// For price-drop triggers.
double PriceAt(const View& view, int32_t item, int64_t time);

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_ENGINE_CATALOG_UPDATES_H_
