// PersonalPicks' use of what a customer looked at since the snapshot: the
// viewed items and their look-alikes join the candidates, as strong as the
// best taste match (scaled by similarity and by how recent the view is).
//
// Thread-safety: pure function.
#ifndef BOOMERANG_MODELS_RANK_VIEW_BOOST_H_
#define BOOMERANG_MODELS_RANK_VIEW_BOOST_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "models/personal_picks.h"
#include "models/rank/item_graph.h"

namespace boomerang {

struct ViewBoostOptions {
  // Only the newest views count.
  int max_views = 10;
  // A viewed item scores this times the best taste match; its look-alikes
  // score the best match times their similarity.
  float viewed_item_weight = 1.2f;
  // The k-th newest view (k from 0) weighs 1 / (1 + recency_decay x k).
  float recency_decay = 0.2f;
};

// `views`: dense indices, newest first; -1 for an item the graph does not
// know (it keeps its place in the recency order). Raises or adds candidates
// and sorts them best first (ties by index).
void BoostByViews(const ItemGraph& graph, absl::Span<const int32_t> views,
                  const ViewBoostOptions& options,
                  std::vector<PicksCandidate>* candidates);

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_RANK_VIEW_BOOST_H_
