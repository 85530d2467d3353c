// The answer when there is no history to personalise from: best sellers of
// the data's last days, then of all time.
//
// Thread-safety: pure function.
#ifndef BOOMERANG_MODELS_RANK_POPULAR_H_
#define BOOMERANG_MODELS_RANK_POPULAR_H_

#include "absl/container/flat_hash_set.h"
#include "models/rank/item_graph.h"
#include "models/rank/rank_context.h"

namespace boomerang {

// Appends allowed best sellers not in `taken` to `out` until it holds
// `limit` items (reason POPULAR, "trending: N orders in the last D days" or
// "a best seller (N orders)"); adds each to `taken`.
void AddPopular(const ItemGraph& graph, const RankContext& context, int limit,
                absl::flat_hash_set<int32_t>* taken,
                google::protobuf::RepeatedPtrField<v1::RecommendedItem>* out);

// Appends allowed best sellers of `category` (most orders first) not in
// `taken` until `out` holds `limit` items (reason CATEGORY_BEST_SELLER,
// anchored on `anchor`, with `why` after "a best seller in C (N orders); ").
void AddCategoryBestSellers(
    const ItemGraph& graph, const RankContext& context, int32_t anchor,
    absl::string_view why, int limit, absl::flat_hash_set<int32_t>* taken,
    google::protobuf::RepeatedPtrField<v1::RecommendedItem>* out);

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_RANK_POPULAR_H_
