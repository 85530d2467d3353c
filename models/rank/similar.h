// "Similar items": the anchor's look-alike list (names, categories and
// buyers, precomputed by the indexer: models/item_similarity.h), filtered;
// an item without any gets its category's best sellers as a fallback.
//
// Thread-safety: pure function.
#ifndef BOOMERANG_MODELS_RANK_SIMILAR_H_
#define BOOMERANG_MODELS_RANK_SIMILAR_H_

#include "models/rank/item_graph.h"
#include "models/rank/rank_context.h"

namespace boomerang {

struct SimilarOptions {
  // The explanation names a similar name or shared buyers from these
  // similarities on ("similar name (0.89)"); below, it says "related".
  float explain_title = 0.2f;
  float explain_behavior = 0.2f;
};

// Appends at most `limit` allowed look-alikes of `anchor` to `out` (reason
// SIMILAR). Returns true when the answer is a fallback: the anchor has no
// look-alikes at all, and its category's best sellers were used.
bool RankSimilar(const ItemGraph& graph, int32_t anchor,
                 const RankContext& context, int limit,
                 const SimilarOptions& options,
                 google::protobuf::RepeatedPtrField<v1::RecommendedItem>* out);

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_RANK_SIMILAR_H_
