// The buy-again rankers: which of a customer's items to remind them of, and
// in what order (BuyAgain, and the due stream's per-customer step), from
// the one repurchase model (models/repurchase.h).
//
// BuyAgain: items with a cycle, most likely re-bought within the horizon
// first (ProbabilityWithin; ties: the estimate's confidence), lapsed habits
// left out unless asked for; then, to fill the list, the customer's most
// bought items without a cycle (most purchases first, then the most recent).
// Measured against alternatives on the same estimates
// (boomerang-retention-eval, BENCHMARKS.md): weighting the probability by
// confidence changed nothing, ordering by days until due or by confidence
// was worse, cutting items due after the horizon or below a probability
// floor lost more re-buys than it kept out, and a full list finds more of
// next month's re-buys than a short one.
//
// Thread-safety: pure functions.
#ifndef BOOMERANG_MODELS_RANK_BUY_AGAIN_H_
#define BOOMERANG_MODELS_RANK_BUY_AGAIN_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/types/span.h"
#include "models/repurchase.h"

namespace boomerang {

// One item a customer bought, as the rankers read it.
struct BoughtItem {
  int32_t item = -1;  // dense index; -1: not in the catalog (skipped)
  // Ascending; purchases after the ranking's as_of are ignored.
  absl::Span<const int64_t> purchase_times;
  absl::Span<const float> purchase_quantities;  // parallel (may be shorter)
  ItemCycle cycle;                              // what the item's buyers do
};

// One item's timing at as_of.
struct RepurchaseTiming {
  int32_t item = -1;
  RepurchaseEstimate estimate;
  double probability = 0;  // of a purchase within the horizon
  double days_until_due = 0;
  double typical_quantity = 0;  // median of the purchases up to as_of
  int32_t orders = 0;           // purchases up to as_of
};

// The item's timing at `as_of` with a purchase probability over
// `horizon_days`; nullopt when it has no cycle (EstimateRepurchase) or no
// purchase up to as_of.
std::optional<RepurchaseTiming> TimeBoughtItem(const BoughtItem& bought,
                                               int64_t as_of,
                                               double horizon_days);

// BuyAgain's order (see above).
bool MoreLikely(const RepurchaseTiming& a, const RepurchaseTiming& b);

struct BuyAgainOptions {
  // When an item with a cycle is lapsed: left out unless the request's
  // include_lapsed (the rule PersonalPicks and exclude_purchased use too).
  LapseRule lapse;
};

// An item without a cycle that fills the list.
struct BuyAgainFill {
  int32_t item = -1;
  int32_t orders = 0;  // purchases up to as_of
  int64_t last_purchase = 0;
  double typical_quantity = 0;
};

struct BuyAgainList {
  std::vector<RepurchaseTiming> due;  // first, in order
  std::vector<BuyAgainFill> fill;     // then these, in order
  int32_t lapsed = 0;                 // habits left out as lapsed
};

// Ranks `items` (the customer's, most orders first) at `as_of`: at most
// `limit` in all; `allowed` filters (stock, categories, exclusions);
// `include_lapsed` keeps lapsed habits; `dated_only` leaves out the fill.
BuyAgainList RankBuyAgain(absl::Span<const BoughtItem> items, int64_t as_of,
                          double horizon_days, int limit, bool include_lapsed,
                          bool dated_only,
                          absl::FunctionRef<bool(int32_t)> allowed,
                          const BuyAgainOptions& options = {});

// The due stream's window: items expected in [as_of - overdue_days, as_of +
// lead_days] with at least `min_confidence`.
struct DueWindow {
  int lead_days = 7;
  int overdue_days = 0;
  double min_confidence = 0;
  // And at least this chance of a purchase within lead_days.
  double min_probability = 0;
  int max_items = 10;
};

// The due stream's default probability floor (DueReplenishmentsRequest).
inline constexpr double kDefaultDueProbabilityFloor = 0.1;

// The items of `items` due in `window` at `as_of`, most likely first (the
// probability over lead_days), at most window.max_items.
std::vector<RepurchaseTiming> DueInWindow(
    absl::Span<const BoughtItem> items, int64_t as_of, const DueWindow& window,
    absl::FunctionRef<bool(int32_t)> allowed);

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_RANK_BUY_AGAIN_H_
