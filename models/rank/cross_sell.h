// Cross-sell: complements of a cart, from the co-purchase lists of its
// items (models/fbt_ranker.h), without look-alikes of what is in it, then
// re-ranked by the customer's taste.
//
// A look-alike of a cart item (a similar name in the same category, or with
// no category on either side a name similar enough on its own) is a
// substitute: a second frying pan is no complement of the first. Unless the
// two are bought together far more than chance says (a set: the green and
// the pink Regency teacup): then it stays, and its explanation says why.
// Not "the same buyers": complements share buyers, that makes them
// complements. Nothing bought with the cart: the cart items' category best
// sellers, then overall best sellers, as a fallback.
//
// Thread-safety: pure function.
#ifndef BOOMERANG_MODELS_RANK_CROSS_SELL_H_
#define BOOMERANG_MODELS_RANK_CROSS_SELL_H_

#include <cstdint>

#include "absl/types/span.h"
#include "models/rank/item_graph.h"
#include "models/rank/rank_context.h"

namespace boomerang {

struct CrossSellOptions {
  // Title similarity (TF-IDF cosine) from which an item of a cart item's
  // category looks like it.
  float look_alike_title = 0.3f;
  // The same when neither has a category (a shop without a catalog):
  // names of one collection share words (Online Retail: the tea plate of
  // the Regency teacups scores 0.39 against them, the other teacups 0.83+).
  float look_alike_title_without_category = 0.5f;
  // A look-alike bought with a cart item at least this lift is part of a
  // set and stays; below, shoppers chose between the two.
  double set_lift = 3.0;
  // Score = co-purchase score x (1 + taste_weight x max(0, taste)):
  // multiplicative, so taste reorders complements but never turns a weak
  // complement into a strong one.
  double taste_weight = 0.5;
  // Co-purchase candidates ranked before the taste re-ranking:
  // min(max_fetch, fetch_factor x limit).
  int fetch_factor = 3;
  int max_fetch = 100;
};

// Appends at most `limit` items for the cart `cart` (dense indices,
// distinct) to `out`, reason CROSS_SELL. Returns true when the list is a
// fallback (nothing is bought with the cart).
bool RankCrossSell(
    const ItemGraph& graph, absl::Span<const int32_t> cart,
    const RankContext& context, int limit, const CrossSellOptions& options,
    google::protobuf::RepeatedPtrField<v1::RecommendedItem>* out);

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_RANK_CROSS_SELL_H_
