#include "models/rank/view_boost.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"

namespace boomerang {

void BoostByViews(const ItemGraph& graph, absl::Span<const int32_t> views,
                  const ViewBoostOptions& options,
                  std::vector<PicksCandidate>* candidates) {
  if (views.empty()) return;
  float best = 0;
  for (const PicksCandidate& c : *candidates) best = std::max(best, c.score);
  if (best <= 0) best = 1;
  absl::flat_hash_map<int32_t, float> boost;
  for (size_t v = 0;
       v < views.size() && v < static_cast<size_t>(options.max_views); ++v) {
    const int32_t viewed = views[v];
    if (viewed < 0) continue;
    const float recency =
        1.0f / (1.0f + options.recency_decay * static_cast<float>(v));
    boost[viewed] =
        std::max(boost[viewed], options.viewed_item_weight * best * recency);
    for (const SimilarEdge& e : graph.Similar(viewed)) {
      float& b = boost[e.item];
      b = std::max(b, best * recency * e.similarity);
    }
  }
  for (PicksCandidate& c : *candidates) {
    auto it = boost.find(c.item);
    if (it == boost.end()) continue;
    c.score = std::max(c.score, it->second);
    boost.erase(it);
  }
  for (const auto& [item, score] : boost) {
    candidates->push_back(PicksCandidate{item, score});
  }
  std::sort(candidates->begin(), candidates->end(),
            [](const PicksCandidate& a, const PicksCandidate& b) {
              return a.score != b.score ? a.score > b.score : a.item < b.item;
            });
}

}  // namespace boomerang
