// Ranking a customer's personal picks: items they are due to buy again,
// mixed with new items their taste vector points to.
//
// Repeat items: habit = log(1 + orders) / log(1 + the customer's largest
// order count), times (1 - w + w * due). For items with a repurchase
// interval (HistoryItem::interval_days, from models/repurchase.h, the model
// BuyAgain uses) how due an item is depends on the days since the last
// purchase over that interval (ratio r):
//   due(r) = exp(-(r - 1)^2 / 0.5)   for r < 1   (rises toward the due date)
//          = max(0.3, exp(-(r - 1) / 3)) for r >= 1 (overdue fades slowly)
// An item without an interval: due = exp(-days since / 365). Then, for every
// repeat item, score *= (1 - rw + rw * exp(-days since / 180)): recent habits
// count more.
// New items come from the caller (an ANN search on the customer vector);
// their scores are divided by the best one, then scaled by `new_weight`.
// Both lists are merged by score. The weights were set on Online Retail's
// time split (BENCHMARKS.md, `boomerang eval`). Buy-again timing gets its own,
// more careful model later (issue 4); this is the part picks need.
//
// Thread-safety: pure function.
#ifndef BOOMERANG_MODELS_PERSONAL_PICKS_H_
#define BOOMERANG_MODELS_PERSONAL_PICKS_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/types/span.h"
#include "models/repurchase.h"

namespace boomerang {

struct HistoryItem {
  int32_t item = 0;
  int32_t orders = 0;
  double quantity = 0;
  int64_t first = 0;  // unix seconds
  int64_t last = 0;
  // The item's overall popularity in [0, 1] (log orders over log of the
  // best seller's): breaks ties between equally strong habits.
  float popularity = 0;
  // The customer's repurchase timing for the item, from the one repurchase
  // model (models/repurchase.h EstimateRepurchase, as BuyAgain and the due
  // stream use it); none when it has no cycle (bought on one day, and not
  // an item people re-buy).
  std::optional<RepurchaseEstimate> repurchase;
};

struct PicksCandidate {
  int32_t item = 0;
  float score = 0;  // x_u . y_i
};

enum class PicksMode { kMixed, kNewOnly, kRepeatOnly };

struct Pick {
  // kNew: like what they bought (ALS); kBoughtWith: bought together with
  // an item of their recent orders; kPopular: a best seller. (The last two
  // come from the learned ranker only.)
  enum Kind { kBuyAgain, kNew, kBoughtWith, kPopular };
  int32_t item = 0;
  double score = 0;
  Kind kind = kNew;
  // kBuyAgain: the customer's interval (0: no cycle), whether it is their
  // own (re-purchases of theirs) or the item's buyers', and the days since
  // the last purchase.
  double interval_days = 0;
  bool own_cycle = false;
  double days_since = 0;
  int32_t orders = 0;
  // kNew: the purchased item closest to this one (-1 if none);
  // kBoughtWith: the recent item it is bought with.
  int32_t anchor = -1;
};

struct PicksOptions {
  // Scale of new items' scores (1 for the best candidate) against repeat
  // items' scores (1 for the customer's most frequent, due item).
  double new_weight = 0.1;
  // How much timing moves a repeat item: score = habit * (1 - w + w * due).
  double due_weight = 0.1;
  // Recent habits count more: score *= (1 - rw + rw * exp(-days / rd)).
  double recency_weight = 0.8;
  double recency_days = 90;
  // Weight of the item's overall popularity: score *= (1 + pw * pop).
  double popularity_weight = 0.3;
  // An item bought once fades with this time constant (days).
  double single_purchase_days = 365;
  // Repeat items scoring below this are left out.
  double min_due = 0.02;
  // Habits that stopped are left out (as BuyAgain does).
  LapseRule lapse;
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
