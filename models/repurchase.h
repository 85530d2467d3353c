// Repurchase timing: how often a customer re-buys an item, and when the
// next purchase is due, robust to noisy, irregular histories.
//
// Intervals between purchases are treated as log-normal (a late month and an
// early week are equally "off"), so estimates are made on log-gaps:
//   - the item's population interval: the median over customers of each
//     customer's median gap (customers with >= 2 purchases), in days;
//   - a customer's own interval: the median log-gap, shrunk toward the
//     population's log interval with prior weight `prior_gaps`:
//       log I = (n * median(log gaps) + k * log I_pop) / (n + k)
//     so two purchases say little and ten say a lot;
//   - an item bought once inherits the population interval when the item is
//     habitually re-bought (enough of its buyers bought it again).
// Confidence in [0, 1] grows with the number of gaps and shrinks with their
// spread (median absolute deviation of the log-gaps).
//
// Thread-safety: pure functions.
#ifndef BOOMERANG_MODELS_REPURCHASE_H_
#define BOOMERANG_MODELS_REPURCHASE_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/types/span.h"

namespace boomerang {

struct RepurchaseOptions {
  // Weight of the population interval, in gaps.
  double prior_gaps = 2;
  // Purchases less than this many days apart are one shopping trip, not a
  // re-purchase (split orders, corrections).
  double min_gap_days = 1;
  // An item counts as habitually re-bought when at least this share of its
  // buyers bought it more than once, and at least `min_repeat_buyers` did.
  double habitual_share = 0.2;
  int min_repeat_buyers = 3;
};

// What the population says about one item.
struct ItemCycle {
  double interval_days = 0;  // 0: unknown (too few repeat buyers)
  int32_t repeat_buyers = 0;
  int32_t buyers = 0;
  bool habitual = false;
};

// Builds an item's population cycle from each buyer's purchase times (unix
// seconds, any order, one vector per buyer).
ItemCycle EstimateItemCycle(const std::vector<std::vector<int64_t>>& buyers,
                            const RepurchaseOptions& options = {});

struct RepurchaseEstimate {
  double interval_days = 0;   // expected days between purchases
  int64_t next_purchase = 0;  // unix seconds
  double confidence = 0;      // [0, 1]
  int32_t gaps = 0;           // the customer's own gaps used
};

// One customer's estimate for one item from their purchase times. Nullopt
// when there is nothing to go on: bought once and the item is not habitual,
// or no purchases.
std::optional<RepurchaseEstimate> EstimateRepurchase(
    absl::Span<const int64_t> purchases, const ItemCycle& item,
    const RepurchaseOptions& options = {});

// Days from `as_of` until the estimate's next purchase (negative: overdue).
double DaysUntilDue(const RepurchaseEstimate& estimate, int64_t as_of);

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_REPURCHASE_H_
