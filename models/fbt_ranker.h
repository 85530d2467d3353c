// Merging the "bought together" lists of one or more anchor items into one
// ranked answer with evidence and an explanation.
//
// With several anchors (a cart), each anchor's scores are first divided by
// that anchor's best score, then summed per candidate. Normalising matters:
// raw log-likelihood ratios grow with an anchor's order count, so without it
// the most popular item in the cart would decide the whole list; summing
// rewards items that go with several cart items at once.
//
// Thread-safety: pure function.
#ifndef BOOMERANG_MODELS_FBT_RANKER_H_
#define BOOMERANG_MODELS_FBT_RANKER_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "boomerang/v1/recommender.pb.h"
#include "boomerang/v1/snapshot.pb.h"

namespace boomerang {

struct FbtAnchor {
  std::string item_id;
  const v1::FbtList* list = nullptr;  // not owned
};

// Ranks the candidates of `anchors`, skipping every anchor and every id in
// `exclude`, and appends at most `limit` items to `out`. `title_of` returns
// a display title for an item (may return empty).
void RankFrequentlyBoughtTogether(
    const std::vector<FbtAnchor>& anchors,
    const absl::flat_hash_set<std::string>& exclude, int limit,
    absl::FunctionRef<std::string(const std::string&)> title_of,
    google::protobuf::RepeatedPtrField<v1::RecommendedItem>* out);

// "bought together with 22697 in 31% of its orders (lift 12.4)".
std::string ExplainCoPurchase(const v1::RecommendedItem& item);

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_FBT_RANKER_H_
