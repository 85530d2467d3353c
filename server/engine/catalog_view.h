// The live catalog: item changes (UpdateItems, ITEM_UPDATE events of the
// event log) since the serving snapshot's catalog, as an ItemGraph that
// requests rank with.
//
// The updates live in the same durable EventLog as RecordEvents' events and
// reach this view through the same listener (Engine's constructor), after
// they are durable and before they are acknowledged: the next request sees
// them. Start reads the log once (Read); a restart therefore replays every
// update the store keeps.
//
// Requests read an immutable CatalogOverlay: the snapshot's item graph with
// the changed item records swapped in and new items appended at dense
// indices num_items().. of the snapshot. Each append batch builds a new
// overlay (copy-on-write) and swaps it in under a short lock, so a request
// that took one overlay (View::catalog) sees one catalog from start to end.
// An overlay belongs to one snapshot (its dense indices): a swap builds one
// for the new snapshot from the updates after that snapshot's catalog_time
// (older ones are in its catalog already).
//
// New items (ids the snapshot does not know) have no co-purchases, vectors
// or customers: every snapshot-only array is indexed below
// snapshot.num_items() only (Snapshot's own accessors return 0 above it).
// With a title and a category a new item is recommendable at once: its
// look-alikes are found by title tokens (below), its category's lists end
// with it, and the look-alike lists of its closest name-alikes include it.
//
// Thread-safety: CatalogOverlay is immutable; CatalogView is thread-safe.
#ifndef BOOMERANG_SERVER_ENGINE_CATALOG_VIEW_H_
#define BOOMERANG_SERVER_ENGINE_CATALOG_VIEW_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "boomerang/v1/recommender.pb.h"
#include "models/events/event_log.h"
#include "models/rank/item_graph.h"
#include "models/snapshot/snapshot.h"

namespace boomerang {

// One accepted catalog change, as the view keeps it.
struct CatalogUpdate {
  int64_t micros = 0;  // when it took effect
  std::string key;     // idempotency key
  v1::ItemUpdate update;
};

// The snapshot's catalog_time (unix seconds; 0 when the manifest has none:
// then every update is newer than its catalog).
int64_t CatalogTimeOf(const Snapshot& snapshot);

class CatalogOverlay final : public ItemGraph {
 public:
  // The snapshot's graph with `updates` (time order, those after its
  // catalog_time only) applied. REQUIRES: `base` outlives the overlay (the
  // request's View holds both).
  static std::shared_ptr<const CatalogOverlay> Build(
      const Snapshot& base, const std::vector<CatalogUpdate>& updates);

  // `prev` with `batch` (newer than every update in it) applied: the cost
  // of the batch and the changed items, not of every update so far. Null
  // when a full Build is needed instead (an update older than the newest
  // applied, or one renaming a new item: its look-alikes would be stale).
  static std::shared_ptr<const CatalogOverlay> Extend(
      const CatalogOverlay& prev, const std::vector<CatalogUpdate>& batch);

  const Snapshot& base() const { return *base_; }
  // Changed or new items.
  size_t overrides() const { return records_.size(); }
  // The price history from the live updates of `index` (oldest first).
  const std::vector<v1::PriceChange>* LivePrices(int32_t index) const;
  // Whether the item was in stock at `time` (unix seconds): true up to the
  // snapshot's catalog_time (unknown), then the snapshot's stock until the
  // first live change of it, then the changes.
  bool InStockAt(int32_t index, int64_t time) const;

  int32_t num_items() const override;
  const std::string& item_id(int32_t index) const override;
  const v1::ItemRecord& item(int32_t index) const override;
  int32_t FindItem(absl::string_view item_id) const override;
  absl::Span<const Neighbor> Fbt(int32_t index) const override;
  int64_t fbt_anchor_orders(int32_t index) const override;
  absl::Span<const SimilarEdge> Similar(int32_t index) const override;
  absl::Span<const int32_t> CategoryBestSellers(
      absl::string_view category) const override;
  absl::Span<const int32_t> CategoryByPrice(
      absl::string_view category) const override;
  float Popularity(int32_t index) const override;
  const v1::PopularItems& popular() const override;
  int recent_days() const override;

 private:
  explicit CatalogOverlay(const Snapshot& base) : base_(&base) {}
  CatalogOverlay(const CatalogOverlay&) = default;
  // Applies `u` when it is after the base's catalog; adds the categories
  // it moved an item out of and into to `touched`.
  void ApplyAfterCatalog(const CatalogUpdate& u,
                         absl::flat_hash_set<std::string>* touched);
  void Apply(const CatalogUpdate& u);
  // Category lists of the categories an update touched, and the new
  // items' look-alikes.
  void Finish(const std::vector<std::string>& touched_categories);
  // For the new items from index looked_up_ on.
  void FindLookAlikes();

  const Snapshot* base_;
  absl::flat_hash_map<int32_t, v1::ItemRecord> records_;
  std::vector<std::string> new_ids_;  // index num_items() + k
  absl::flat_hash_map<std::string, int32_t> new_index_;
  // Shared between an overlay and the one extended from it; copied (per
  // item) on the first change after the copy.
  absl::flat_hash_map<int32_t, std::shared_ptr<std::vector<v1::PriceChange>>>
      prices_;
  struct StockChange {
    int64_t time = 0;  // unix seconds
    bool in_stock = false;
  };
  // The same for stock (in_stock flips), in time order.
  absl::flat_hash_map<int32_t, std::shared_ptr<std::vector<StockChange>>>
      stock_;
  int64_t newest_micros_ = 0;  // of the updates applied
  size_t looked_up_ = 0;       // new items whose look-alikes are found
  absl::flat_hash_map<std::string, std::vector<int32_t>> best_, by_price_;
  absl::flat_hash_map<int32_t, std::vector<SimilarEdge>> similar_;
};

class CatalogView {
 public:
  CatalogView() = default;

  // Adds the ITEM_UPDATE events of an accepted batch (the log's listener);
  // others are ignored. Rebuilds the serving overlay.
  void Add(const std::vector<const v1::Event*>& events);
  // Reads every ITEM_UPDATE the log keeps (at Start).
  absl::Status Read(const EventLog& log);

  // The overlay for `snapshot` (built when the snapshot is new to the
  // view); null when there are no updates after its catalog.
  std::shared_ptr<const CatalogOverlay> For(
      const std::shared_ptr<const Snapshot>& snapshot) const;

  int64_t updates() const;

 private:
  // Keeps `e` if it is a new ITEM_UPDATE (and copies it to `kept` when not
  // null); returns whether it did.
  bool Insert(const v1::Event& e, CatalogUpdate* kept = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(updates_mu_);
  // The built overlay when it is for `snapshot` and the current updates.
  bool Cached(const std::shared_ptr<const Snapshot>& snapshot,
              std::shared_ptr<const CatalogOverlay>* out) const
      ABSL_LOCKS_EXCLUDED(built_mu_);

  // Two locks, so that requests (For) never wait for a build: builds hold
  // updates_mu_ and take built_mu_ only to swap the result in.
  // Lock order: updates_mu_, then built_mu_.
  mutable absl::Mutex updates_mu_;
  // Every update in time order (by microsecond, then key), once per key.
  std::vector<CatalogUpdate> updates_ ABSL_GUARDED_BY(updates_mu_);
  absl::flat_hash_map<std::string, int64_t> keys_ ABSL_GUARDED_BY(updates_mu_);
  // Changes with every accepted batch (written under updates_mu_).
  int64_t generation_ ABSL_GUARDED_BY(updates_mu_) = 0;

  mutable absl::Mutex built_mu_;
  // The last overlay built, the snapshot it was built for (weak: the view
  // must not keep a swapped-out snapshot alive) and the generation of the
  // updates it has.
  mutable std::weak_ptr<const Snapshot> built_for_ ABSL_GUARDED_BY(built_mu_);
  mutable std::shared_ptr<const CatalogOverlay> built_
      ABSL_GUARDED_BY(built_mu_);
  mutable int64_t built_generation_ ABSL_GUARDED_BY(built_mu_) = -1;
  // generation_ as readers see it (a copy under built_mu_).
  mutable int64_t current_generation_ ABSL_GUARDED_BY(built_mu_) = 0;
};

}  // namespace boomerang

#endif  // BOOMERANG_SERVER_ENGINE_CATALOG_VIEW_H_
