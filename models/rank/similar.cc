#include "models/rank/similar.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "models/rank/popular.h"

namespace boomerang {

bool RankSimilar(const ItemGraph& graph, int32_t anchor,
                 const RankContext& context, int limit,
                 const SimilarOptions& options,
                 google::protobuf::RepeatedPtrField<v1::RecommendedItem>* out) {
  const std::string& anchor_id = graph.item_id(anchor);
  for (const SimilarEdge& e : graph.Similar(anchor)) {
    if (out->size() == limit) break;
    if (e.item == anchor || !context.allowed(e.item)) continue;
    v1::RecommendedItem* item = out->Add();
    DescribeItem(graph, e.item, item);
    item->set_score(e.similarity);
    item->mutable_reason()->set_code(v1::SIMILAR);
    item->mutable_reason()->set_anchor_item_id(anchor_id);
    std::vector<std::string> why;
    if (e.same_category) why.push_back("same category");
    if (e.title >= options.explain_title) {
      why.push_back(absl::StrFormat("similar name (%.2f)", e.title));
    }
    if (e.behavior >= options.explain_behavior) {
      why.push_back(
          absl::StrFormat("bought by the same customers (%.2f)", e.behavior));
    }
    item->set_explanation(
        absl::StrCat("similar to ", anchor_id, ": ",
                     why.empty() ? "related" : absl::StrJoin(why, ", ")));
  }
  if (!out->empty() || !graph.Similar(anchor).empty()) return false;
  // Cold start: no history for this item. Its category's best sellers.
  absl::flat_hash_set<int32_t> taken = {anchor};
  AddCategoryBestSellers(
      graph, context, anchor,
      absl::StrCat(anchor_id, " has no purchase history yet"), limit, &taken,
      out);
  return !out->empty();
}

}  // namespace boomerang
