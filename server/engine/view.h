// What one request reads, taken once at its start: the serving snapshot,
// the live events beside it, the clock and the ranking options. Every use case
// of the engine takes a View, so that a request sees one snapshot and one clock
// from start to end however many swaps happen meanwhile, and no use case
// reaches for a process global.
//
// Thread-safety: a value; the live view it points to is thread-safe.
#ifndef BOOMERANG_SERVER_ENGINE_VIEW_H_
#define BOOMERANG_SERVER_ENGINE_VIEW_H_

#include <memory>

#include "models/experiments/config.h"
#include "models/rank/ranking_options.h"
#include "models/snapshot/snapshot.h"
#include "server/engine/catalog_view.h"
#include "server/engine/clock.h"
#include "server/engine/live_view.h"

namespace boomerang {

struct View {
  // Holds the snapshot for the request's life (a swap frees it later).
  std::shared_ptr<const Snapshot> handle;
  const Snapshot& snapshot() const { return *handle; }
  // Live events since the snapshot (null: the server keeps none).
  const LiveView* live = nullptr;
  ServingClock clock;
  // What the rankers rank with (null: the defaults). An experiment arm
  // (issue 14) is another set.
  const RankingOptions* options = nullptr;
  const RankingOptions& ranking() const {
    static const RankingOptions kDefaults;
    return options != nullptr ? *options : kDefaults;
  }

  // Live catalog changes on top of the snapshot (null: none). Built for
  // `handle`; taken once with it, so the request sees one catalog.
  std::shared_ptr<const CatalogOverlay> catalog;
  // The items as requests rank them: the snapshot's, with live prices,
  // stock, titles and new items (dense indices from snapshot.num_items()).
  // Read item records (price, stock, title, category, recommendable)
  // through this, never through snapshot().item().
  // The experiments running when the request started (null: none); an arm
  // (server/engine/experiments.h ChooseArm) points into it.
  std::shared_ptr<const experiments::ExperimentsConfig> experiments;

  const ItemGraph& items() const {
    return catalog != nullptr ? static_cast<const ItemGraph&>(*catalog)
                              : *handle;
  }

  // "Now" for a request without as_of, and with one.
  int64_t DefaultAsOf() const { return clock.DefaultAsOf(*handle); }
  int64_t AsOfOr(bool has_as_of,
                 const google::protobuf::Timestamp& as_of) const {
    return clock.AsOfOr(*handle, has_as_of, as_of);
  }
};

// A view of `snapshot` alone (no live events, the system clock): for
// evaluation tools and tests.
inline View ViewOf(std::shared_ptr<const Snapshot> snapshot,
                   const LiveView* live = nullptr, ServingClock clock = {}) {
  return View{std::move(snapshot), live, std::move(clock), nullptr, nullptr,
              nullptr};
}

// The same for a snapshot the caller keeps alive for the view's life.
inline View ViewOf(const Snapshot& snapshot) {
  // The aliasing constructor with no owner: a handle that frees nothing.
  return ViewOf(std::shared_ptr<const Snapshot>(
      std::shared_ptr<const Snapshot>(), &snapshot));
}

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_ENGINE_VIEW_H_
