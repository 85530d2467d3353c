// Ranking a customer's personal picks: items they are due to buy again,
// mixed with new items their taste vector points to.
//
// Repeat items (bought in at least two orders): the customer's own interval
// is (last - first) / (orders - 1); how due an item is depends on the days
// since the last purchase over that interval (ratio r):
//   due(r) = exp(-(r - 1)^2 / 0.5)   for r < 1   (rises toward the due date)
//          = max(0.3, exp(-(r - 1) / 3)) for r >= 1 (overdue fades slowly)
// weighted by habit strength 0.5 + 0.5 * min(1, log(1 + orders) / log(10)).
// New items come from the caller (an ANN search on the customer vector);
// their scores are divided by the best one, then scaled by `new_weight`.
// Both lists are merged by score. Buy-again timing gets its own, more
// careful model later (issue 4); this is the part picks need.
//
// Thread-safety: pure function.
#ifndef BOOMERANG_MODELS_PERSONAL_PICKS_H_
#define BOOMERANG_MODELS_PERSONAL_PICKS_H_

#include <cstdint>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/types/span.h"

namespace boomerang {

struct HistoryItem {
  int32_t item = 0;
  int32_t orders = 0;
  double quantity = 0;
  int64_t first = 0;  // unix seconds
  int64_t last = 0;
};

struct PicksCandidate {
  int32_t item = 0;
  float score = 0;  // x_u . y_i
};

enum class PicksMode { kMixed, kNewOnly, kRepeatOnly };

struct Pick {
  enum Kind { kBuyAgain, kNew };
  int32_t item = 0;
  double score = 0;
  Kind kind = kNew;
  // kBuyAgain: the customer's interval and the days since the last purchase.
  double interval_days = 0;
  double days_since = 0;
  int32_t orders = 0;
  // kNew: the purchased item closest to this one (-1 if none).
  int32_t anchor = -1;
};

struct PicksOptions {
  double new_weight = 0.8;
  // Repeat items less due than this are left to the new items.
  double min_due = 0.05;
};

// REQUIRES: `allowed` filters items (stock, categories, prices,
// exclusions); `similarity(a, b)` is the similarity of two items' vectors
// (used to name the anchor of a new item; may return 0).
std::vector<Pick> RankPersonalPicks(
    absl::Span<const HistoryItem> history,
    absl::Span<const PicksCandidate> candidates, int64_t as_of, PicksMode mode,
    int limit, absl::FunctionRef<bool(int32_t)> allowed,
    absl::FunctionRef<float(int32_t, int32_t)> similarity,
    const PicksOptions& options = PicksOptions());

// How due a repeat item is (see above); exposed for tests.
double DueScore(double days_since, double interval_days);

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_PERSONAL_PICKS_H_
