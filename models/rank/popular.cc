#include "models/rank/popular.h"

#include "absl/strings/str_format.h"

namespace boomerang {

void AddPopular(const ItemGraph& graph, const RankContext& context, int limit,
                absl::flat_hash_set<int32_t>* taken,
                google::protobuf::RepeatedPtrField<v1::RecommendedItem>* out) {
  for (const auto* list :
       {&graph.popular().recent(), &graph.popular().overall()}) {
    const bool recent = list == &graph.popular().recent();
    for (const v1::PopularItem& p : *list) {
      if (out->size() >= limit) return;
      const int32_t i = graph.FindItem(p.item_id());
      if (i < 0 || !context.allowed(i) || !taken->insert(i).second) continue;
      v1::RecommendedItem* item = out->Add();
      DescribeItem(graph, i, item);
      item->set_score(static_cast<double>(p.orders()));
      item->mutable_reason()->set_code(v1::POPULAR);
      item->set_explanation(
          recent ? absl::StrFormat("trending: %d orders in the last %d days",
                                   p.orders(), graph.recent_days())
                 : absl::StrFormat("a best seller (%d orders)", p.orders()));
    }
  }
}

void AddCategoryBestSellers(
    const ItemGraph& graph, const RankContext& context, int32_t anchor,
    absl::string_view why, int limit, absl::flat_hash_set<int32_t>* taken,
    google::protobuf::RepeatedPtrField<v1::RecommendedItem>* out) {
  const std::string& category = graph.item(anchor).category();
  for (int32_t i : graph.CategoryBestSellers(category)) {
    if (out->size() >= limit) return;
    if (i == anchor || !context.allowed(i) || !taken->insert(i).second) {
      continue;
    }
    v1::RecommendedItem* item = out->Add();
    DescribeItem(graph, i, item);
    item->set_score(static_cast<double>(graph.item(i).orders()));
    item->mutable_reason()->set_code(v1::CATEGORY_BEST_SELLER);
    item->mutable_reason()->set_anchor_item_id(graph.item_id(anchor));
    item->set_explanation(absl::StrFormat("a best seller in %s (%d orders); %s",
                                          category, graph.item(i).orders(),
                                          why));
  }
}

}  // namespace boomerang
