#include "models/rank/upsell.h"

#include <algorithm>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace boomerang {

void RankUpsell(const ItemGraph& graph, int32_t anchor, double low, double high,
                const RankContext& context, int limit,
                const UpsellOptions& options,
                google::protobuf::RepeatedPtrField<v1::RecommendedItem>* out) {
  const v1::ItemRecord& base = graph.item(anchor);
  if (base.price() <= 0 || limit <= 0) return;  // no price, no "pricier"
  absl::flat_hash_map<int32_t, const SimilarEdge*> similar;
  for (const SimilarEdge& e : graph.Similar(anchor)) similar[e.item] = &e;
  const bool no_category = base.category().empty();
  absl::flat_hash_map<int32_t, float> complement_lift;
  if (no_category) {
    for (const Neighbor& nb : graph.Fbt(anchor)) {
      complement_lift[nb.item] = nb.lift;
    }
  }
  // Only the price band of the category is scanned (items sorted by price).
  std::vector<int32_t> candidates;
  absl::Span<const int32_t> by_price = graph.CategoryByPrice(base.category());
  auto first = std::lower_bound(
      by_price.begin(), by_price.end(), low * base.price() - 1e-9,
      [&](int32_t i, double p) { return graph.item(i).price() < p; });
  for (auto it = first; it != by_price.end() &&
                        graph.item(*it).price() <= high * base.price() + 1e-9;
       ++it) {
    candidates.push_back(*it);
  }
  if (no_category) {
    for (const auto& [i, edge] : similar) candidates.push_back(i);
  }
  struct Scored {
    int32_t item;
    double score, taste, ratio;
  };
  std::vector<Scored> scored;
  for (int32_t i : candidates) {
    if (i == anchor || !context.allowed(i)) continue;
    const v1::ItemRecord& rec = graph.item(i);
    auto edge = similar.find(i);
    if (no_category) {
      if (!rec.category().empty()) continue;
      const float title = edge == similar.end() ? 0.f : edge->second->title;
      if (title < options.title_without_category) continue;
      auto lift = complement_lift.find(i);
      if (lift != complement_lift.end() &&
          lift->second >= options.complement_lift_without_category &&
          title < options.look_alike_title_without_category) {
        continue;
      }
    }
    const double ratio = rec.price() / base.price();
    if (ratio < low - 1e-9 || ratio > high + 1e-9) continue;
    const double sim = edge == similar.end() ? 0.0 : edge->second->similarity;
    scored.push_back(Scored{i,
                            options.similarity_weight * sim +
                                options.popularity_weight * graph.Popularity(i),
                            0, ratio});
  }
  if (context.has_taste && !scored.empty()) {
    const size_t k = std::min<size_t>(scored.size(), limit);
    std::nth_element(
        scored.begin(), scored.begin() + (k - 1), scored.end(),
        [](const Scored& a, const Scored& b) { return a.score > b.score; });
    const double reachable = scored[k - 1].score - options.taste_weight;
    for (Scored& c : scored) {
      if (c.score < reachable) continue;
      c.taste = std::max(0.f, context.taste(c.item));
      c.score += options.taste_weight * c.taste;
    }
  }
  // Ties by index: without a category the candidates come from a hash map.
  std::sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
    return a.score != b.score ? a.score > b.score : a.item < b.item;
  });
  for (const Scored& c : scored) {
    if (out->size() == limit) break;
    v1::RecommendedItem* item = out->Add();
    DescribeItem(graph, c.item, item);
    item->set_score(c.score);
    item->mutable_reason()->set_code(v1::UPSELL);
    item->mutable_reason()->set_anchor_item_id(graph.item_id(anchor));
    std::string why = absl::StrFormat(
        "a step up from %s: %.2f vs %.2f (%.1fx)%s, %d orders",
        graph.item_id(anchor), item->price(), base.price(), c.ratio,
        no_category ? "" : absl::StrCat(", also in ", base.category()),
        graph.item(c.item).orders());
    if (c.taste >= options.explain_taste) {
      absl::StrAppend(&why, "; matches what you buy");
    }
    item->set_explanation(why);
  }
}

}  // namespace boomerang
