#include "models/rank/cross_sell.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "models/fbt_ranker.h"
#include "models/rank/popular.h"

namespace boomerang {

bool RankCrossSell(
    const ItemGraph& graph, absl::Span<const int32_t> cart,
    const RankContext& context, int limit, const CrossSellOptions& options,
    google::protobuf::RepeatedPtrField<v1::RecommendedItem>* out) {
  absl::InlinedVector<FbtAnchor, 4> anchors;
  // Look-alikes of the cart's items, each with the cart items it resembles.
  absl::flat_hash_map<int32_t, absl::InlinedVector<int32_t, 2>> substitutes;
  for (int32_t index : cart) {
    anchors.push_back(
        FbtAnchor{index, graph.fbt_anchor_orders(index), graph.Fbt(index)});
    const bool no_category = graph.item(index).category().empty();
    for (const SimilarEdge& e : graph.Similar(index)) {
      const bool look_alike =
          e.same_category
              ? e.title >= options.look_alike_title
              : no_category && graph.item(e.item).category().empty() &&
                    e.title >= options.look_alike_title_without_category;
      if (look_alike) substitutes[e.item].push_back(index);
    }
  }
  const int fetch = std::min(options.max_fetch, options.fetch_factor * limit);
  auto id_of = [&graph](int32_t i) -> absl::string_view {
    return graph.item_id(i);
  };
  auto title_of = [&graph](int32_t i) -> absl::string_view {
    return graph.item(i).title();
  };
  google::protobuf::RepeatedPtrField<v1::RecommendedItem> ranked;
  RankFrequentlyBoughtTogether(anchors, context.allowed, fetch,
                               FbtItemNames{id_of, title_of}, &ranked);
  std::vector<std::pair<double, int>> order;
  for (int j = 0; j < ranked.size(); ++j) {
    const int32_t i = graph.FindItem(ranked[j].item_id());
    if (auto sub = substitutes.find(i); sub != substitutes.end()) {
      // The strongest co-purchase with a cart item it resembles.
      const v1::CoPurchaseEvidence* with = nullptr;
      for (const auto& e : ranked[j].evidence()) {
        const int32_t a = graph.FindItem(e.anchor_item_id());
        if (std::find(sub->second.begin(), sub->second.end(), a) ==
            sub->second.end()) {
          continue;
        }
        if (with == nullptr || e.lift() > with->lift()) with = &e;
      }
      if (with == nullptr || with->lift() < options.set_lift) continue;
      const std::string& title =
          graph.item(graph.FindItem(with->anchor_item_id())).title();
      ranked[j].set_explanation(absl::StrFormat(
          "looks like %s%s, but the two are bought as a set: in %.0f%% of "
          "the orders that contain %s (%d of %d, lift %.1f)",
          with->anchor_item_id(),
          title.empty() ? "" : absl::StrCat(" (", title, ")"),
          100 * with->anchor_share(), with->anchor_item_id(),
          with->co_purchase_orders(), with->anchor_orders(), with->lift()));
    }
    const double taste = std::max(0.f, context.taste(i));
    order.emplace_back(ranked[j].score() * (1 + options.taste_weight * taste),
                       j);
  }
  std::stable_sort(
      order.begin(), order.end(),
      [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [score, j] : order) {
    if (out->size() == limit) break;
    v1::RecommendedItem* item = out->Add();
    *item = std::move(ranked[j]);
    item->set_score(score);
    DescribeItem(graph, graph.FindItem(item->item_id()), item);
    item->mutable_reason()->set_code(v1::CROSS_SELL);
    if (item->evidence_size() > 0) {
      item->mutable_reason()->set_anchor_item_id(
          item->evidence(0).anchor_item_id());
    }
  }
  if (!out->empty()) return false;
  // Nothing bought with the cart yet: best sellers of the cart items'
  // categories (look-alikes excluded), then overall, as a fallback.
  absl::flat_hash_set<int32_t> taken;
  for (const auto& [item, unused] : substitutes) taken.insert(item);
  for (int32_t a : cart) taken.insert(a);
  for (int32_t a : cart) {
    AddCategoryBestSellers(
        graph, context, a,
        absl::StrCat("nothing is bought with ", graph.item_id(a), " yet"),
        limit, &taken, out);
  }
  AddPopular(graph, context, limit, &taken, out);
  return !out->empty();
}

}  // namespace boomerang
