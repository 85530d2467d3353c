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
#include "boomerang/v1/snapshot.pb.h"

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
  // Spread (sigma of log-gaps) assumed before a customer's own gaps say
  // otherwise; 0.6 means a gap of half or double the interval is about one
  // sigma away. Shrunk toward like the interval.
  double prior_log_spread = 0.6;
};

// What the population says about one item.
struct ItemCycle {
  double interval_days = 0;  // 0: unknown (too few repeat buyers)
  int32_t repeat_buyers = 0;
  int32_t buyers = 0;
  bool habitual = false;
};

// The cycle the indexer stored in an item's record.
ItemCycle CycleOfItem(const v1::ItemRecord& record);

// Builds an item's population cycle from each buyer's purchase times (unix
// seconds, any order, one vector per buyer).
ItemCycle EstimateItemCycle(const std::vector<std::vector<int64_t>>& buyers,
                            const RepurchaseOptions& options = {});
ItemCycle EstimateItemCycle(absl::Span<const absl::Span<const int64_t>> buyers,
                            const RepurchaseOptions& options = {});

struct RepurchaseEstimate {
  double interval_days = 0;   // expected days between purchases
  int64_t next_purchase = 0;  // unix seconds
  double confidence = 0;      // [0, 1]
  int32_t gaps = 0;           // the customer's own gaps used
  int64_t last_purchase = 0;  // unix seconds
  double log_spread = 0;      // sigma of the log-normal gap model
  // The prior probability that the customer keeps buying the item at all
  // (the habit may stop): Laplace's rule of succession over the customer's
  // re-purchases, (gaps + 1) / (gaps + 2), or for an item bought once the
  // share of the item's buyers who bought it again.
  double keep_buying = 1;
};

// One customer's estimate for one item from their purchase times. Nullopt
// when there is nothing to go on: bought once and the item is not habitual,
// or no purchases.
std::optional<RepurchaseEstimate> EstimateRepurchase(
    absl::Span<const int64_t> purchases, const ItemCycle& item,
    const RepurchaseOptions& options = {});

// The median of `values` (the mean of the middle two for an even count; 0
// for none).
double Median(std::vector<double> values);

// Days from `as_of` until the estimate's next purchase (negative: overdue).
double DaysUntilDue(const RepurchaseEstimate& estimate, int64_t as_of);

// The probability that the next purchase falls in (as_of, as_of + horizon]
// given that none happened between the last purchase and as_of, with gaps
// log-normal around the interval (median) with sigma `log_spread`. It is
// highest around the due date and fades for long-overdue items, because
// the habit may have stopped: a long silence moves the posterior of
// `keep_buying` toward "stopped" (Bayes: P(silence | stopped) = 1,
// P(silence | buying) = the gap survival function). That is what a reminder
// wants.
double ProbabilityWithin(const RepurchaseEstimate& estimate, int64_t as_of,
                         double horizon_days);

// When a habit counts as stopped ("lapsed"): BuyAgain leaves it out,
// PersonalPicks does not remind of it, and "due again" (exclude_purchased)
// is false for it.
struct LapseRule {
  // Less than this chance that the habit goes on (ProbabilityStillBuying).
  // Chosen on a validation split (BENCHMARKS.md): on Online Retail, items
  // at 1-5% were still re-bought often enough that leaving them out cost
  // recall.
  double below = 0.001;
  // And at least this many intervals since the last purchase: the gap
  // model of a very regular habit (a subscription) is narrow, and a few
  // weeks' pause must not read as "stopped".
  double min_intervals = 4;
};
bool Lapsed(const RepurchaseEstimate& estimate, int64_t as_of,
            const LapseRule& rule = {});

// Whether an item the customer bought is due again at `as_of`: at least
// kDueAgainFrom of its interval has passed and the habit has not lapsed.
// (0.41: where PersonalPicks' DueScore reaches 0.5 on its way up.)
inline constexpr double kDueAgainFrom = 0.41;
bool DueAgain(const RepurchaseEstimate& estimate, int64_t as_of,
              const LapseRule& rule = {});

// The posterior probability that the customer still buys the item at
// `as_of`, after the silence since the last purchase (the `alive` factor of
// ProbabilityWithin): `keep_buying` at the last purchase, falling as the
// silence outlasts the gap model. Near 0 the habit has most likely
// stopped (BuyAgain leaves items under 0.001 out).
double ProbabilityStillBuying(const RepurchaseEstimate& estimate,
                              int64_t as_of);

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_REPURCHASE_H_
