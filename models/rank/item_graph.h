// What the rankers of models/rank/ read about items: a read-only view of
// the catalog and its relations (co-purchases, look-alikes, categories,
// popularity), independent of where it is stored.
//
// The server's Snapshot implements it over a loaded snapshot; tests
// implement it over a few vectors (models/rank/testing.h). Rankers take it
// with the request's rules as plain callbacks (allowed, taste), so that
// they are pure functions: data in, ranked items out.
//
// Thread-safety: implementations are immutable after construction; every
// method is safe to call from any thread.
#ifndef BOOMERANG_MODELS_RANK_ITEM_GRAPH_H_
#define BOOMERANG_MODELS_RANK_ITEM_GRAPH_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "boomerang/v1/recommender.pb.h"
#include "boomerang/v1/snapshot.pb.h"
#include "models/cooccurrence.h"

namespace boomerang {

// One entry of an item's look-alike list (models/item_similarity.h).
struct SimilarEdge {
  int32_t item;
  float similarity;  // blended score
  float title;       // title cosine (TF-IDF)
  float behavior;    // embedding cosine
  bool same_category;
};

class ItemGraph {
 public:
  virtual ~ItemGraph() = default;

  // Items are dense indices in [0, num_items()).
  virtual int32_t num_items() const = 0;
  // REQUIRES: 0 <= index < num_items() for the accessors below.
  virtual const std::string& item_id(int32_t index) const = 0;
  // Title, category, price, order counts, stock.
  virtual const v1::ItemRecord& item(int32_t index) const = 0;
  // Dense index of an id, or -1.
  virtual int32_t FindItem(absl::string_view item_id) const = 0;

  // The item's co-purchase list, best first, and the orders it was
  // counted in.
  virtual absl::Span<const Neighbor> Fbt(int32_t index) const = 0;
  virtual int64_t fbt_anchor_orders(int32_t index) const = 0;
  // The item's look-alikes, most similar first.
  virtual absl::Span<const SimilarEdge> Similar(int32_t index) const = 0;

  // Items of exactly this category, most orders first / cheapest first
  // (empty for an unknown or empty category).
  virtual absl::Span<const int32_t> CategoryBestSellers(
      absl::string_view category) const = 0;
  virtual absl::Span<const int32_t> CategoryByPrice(
      absl::string_view category) const = 0;

  // log(1 + orders) / log(1 + the best seller's orders), in [0, 1].
  virtual float Popularity(int32_t index) const = 0;
  // Best sellers of the data's last `recent_days` days and of all time.
  virtual const v1::PopularItems& popular() const = 0;
  virtual int recent_days() const = 0;
};

// Fills a returned item's display fields (id, title, category, price).
void DescribeItem(const ItemGraph& graph, int32_t index,
                  v1::RecommendedItem* out);

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_RANK_ITEM_GRAPH_H_
