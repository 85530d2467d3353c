// Upsell: a better, pricier alternative to an item, within a price band.
//
// Candidates are the item's category, priced within [low, high] x its
// price, and its look-alikes. Without a category (no catalog) only the name
// says what kind of product an item is: a candidate needs a name similar to
// the anchor's, and the anchor's co-purchase complements are left out (the
// Regency teacup's sugar bowl is bought by the same customers, in the same
// orders: a complement, not an alternative) unless they look alike.
// Ranked by similarity, popularity and the customer's taste.
//
// Thread-safety: pure function.
#ifndef BOOMERANG_MODELS_RANK_UPSELL_H_
#define BOOMERANG_MODELS_RANK_UPSELL_H_

#include <cstdint>

#include "models/rank/item_graph.h"
#include "models/rank/rank_context.h"

namespace boomerang {

struct UpsellOptions {
  // Score = similarity_weight x similarity + popularity_weight x popularity
  // + taste_weight x max(0, taste). Taste is the costly part (a dot product
  // per candidate), computed only where it can still change the top.
  double similarity_weight = 2;
  double popularity_weight = 0.3;
  double taste_weight = 0.5;
  // Without categories: the least name similarity of a candidate, the lift
  // from which a co-purchase marks a complement (Online Retail: the sugar
  // bowl 12.5 and milk jug 11.4 of the green Regency teacup; the red
  // retrospot tea cup 3.8), and the name similarity from which a
  // complement still counts as a look-alike.
  float title_without_category = 0.3f;
  float complement_lift_without_category = 5.0f;
  float look_alike_title_without_category = 0.5f;
  // The explanation adds "matches what you buy" from this taste on.
  double explain_taste = 0.3;
};

// Appends at most `limit` pricier alternatives of `anchor` priced within
// [low, high] x its price to `out` (reason UPSELL). Nothing for an item
// without a price.
void RankUpsell(const ItemGraph& graph, int32_t anchor, double low, double high,
                const RankContext& context, int limit,
                const UpsellOptions& options,
                google::protobuf::RepeatedPtrField<v1::RecommendedItem>* out);

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_RANK_UPSELL_H_
