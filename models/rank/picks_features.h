// The first stage of learned personal picks (issue 12): candidates from
// several cheap sources and one row of features per candidate, the same
// code for the indexer (training rows, from each customer's history before
// a later order) and the server (rows to score at request time).
//
// Sources (a candidate may come from several):
//   - the customer's own items (with the one repurchase model's timing);
//   - co-purchases (the LLR/FBT lists) of the items of their last orders;
//   - the items with the most co-purchase votes from their whole history
//     (each bought item weighted by its time-decayed frequency);
//   - their ALS vector's nearest items (the caller's ANN search);
//   - recent and all-time best sellers.
// Features (PicksFeature): habit strength and recency (orders, share of
// orders, time-decayed frequency as TIFU-KNN weighs baskets), repurchase
// timing (interval, days over interval, the chance the habit goes on and
// of a purchase within 30 days), the ALS score and rank,
// co-purchase score and links, the customer's similarity to the item,
// popularity and trend, category affinity, price against what they pay.
// Missing values are NaN (XGBoost learns a default branch for them).
//
// Thread-safety: pure functions.
#ifndef BOOMERANG_MODELS_RANK_PICKS_FEATURES_H_
#define BOOMERANG_MODELS_RANK_PICKS_FEATURES_H_

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/types/span.h"
#include "boomerang/v1/snapshot.pb.h"
#include "models/personal_picks.h"
#include "models/rank/item_graph.h"

namespace boomerang {

enum PicksFeature : int {
  kFeatRepeat = 0,        // 1 if the customer bought it before
  kFeatOrders,            // their orders with it
  kFeatOrderShare,        // orders with it / their orders
  kFeatDecayedShare,      // sum of 0.9^(orders since) / the same for all
  kFeatDaysSinceLast,     // NaN for a new item
  kFeatDaysSinceFirst,    // NaN for a new item
  kFeatIntervalDays,      // the repurchase model's interval (NaN: none)
  kFeatDueRatio,          // days since last / interval (NaN: none)
  kFeatOwnCycle,          // their own cycle (1) or the item's buyers' (0)
  kFeatStillBuying,       // ProbabilityStillBuying (NaN: no cycle)
  kFeatDueWithin30,       // ProbabilityWithin 30 days (NaN: no cycle)
  kFeatInLastOrder,       // in their most recent order
  kFeatAlsScore,          // x_u . y_i (NaN: no customer vector)
  kFeatAlsRank,           // rank among the ANN candidates (NaN: not one)
  kFeatCoocScore,         // sum of FBT scores from their last orders' items
  kFeatCoocLinks,         // how many of those items link to it
  kFeatSimilarity,        // best cosine to their most bought items
  kFeatPopularity,        // ItemGraph::Popularity
  kFeatTrend,             // share of its orders in the recent window
  kFeatRecentRank,        // rank among recent best sellers (NaN: absent)
  kFeatCustomerOrders,    // the customer's orders
  kFeatDaysSinceOrder,    // days since their last order
  kFeatCategoryShare,     // share of their orders' items in its category
  kFeatPriceRatio,        // its price / the mean price of their items
  kFeatHabitual,          // ItemRecord::habitual (re-bought by many)
  kFeatOrdersSinceLast,   // their orders after the last with it (NaN: new)
  kFeatLast5Share,        // share of their last 5 orders with it
  kFeatBasketSize,        // their mean items per order
  kFeatRepeatShare,       // share of their later orders' items bought before
  kFeatItemRepeatRate,    // the item's buyers who re-bought it / its buyers
  kFeatLastYear,          // their purchases of it 335-395 days ago
  kFeatQuantityPerOrder,  // their units per order with it (NaN: new)
  kFeatCoocHistory,       // co-purchase scores from all their items,
                          // each weighted by its decayed frequency
  kNumPicksFeatures
};

// Names for logs and BENCHMARKS.md, by PicksFeature.
const char* PicksFeatureName(int feature);

// Where a candidate came from (bits).
enum PicksSource : uint8_t {
  kSourceHistory = 1,
  kSourceCooc = 2,
  kSourceAls = 4,
  kSourcePopular = 8,
};

struct PicksRow {
  int32_t item = -1;
  uint8_t sources = 0;
  // For explanations: the history item with the strongest co-purchase
  // link to it (-1: none), and the history index (into the history span)
  // for repeat items (-1: new).
  int32_t cooc_anchor = -1;
  int32_t history_index = -1;
  std::array<float, kNumPicksFeatures> f{};
};

struct PicksCandidateOptions {
  // Co-purchases of the items in the customer's last `recent_orders`
  // orders, the first `cooc_per_item` of each list.
  int recent_orders = 3;
  int cooc_per_item = 10;
  // The best-voted items of co-purchase votes from the whole history
  // (kFeatCoocHistory), as candidates.
  int history_cooc = 20;
  // Best sellers added as candidates (recent, then all-time).
  int popular = 20;
  // The customer's most bought items whose similarity counts.
  int similarity_anchors = 10;
  // At most this many of the customer's items (most orders first).
  int max_history = 200;
  // Habits that stopped are no candidates at all (as BuyAgain and the
  // hand-weighted picks leave them out).
  LapseRule lapse;
  // ALS candidates the caller searches for (the indexer's training and the
  // server ask for as many).
  int als = 50;
};

// What the features need to know about the customer. `history` carries the
// repurchase timing (HistoryItem::repurchase) and is ordered most orders
// first, as the snapshot stores it.
struct PicksCustomer {
  absl::Span<const HistoryItem> history;
  // Every order's time, ascending (CustomerRecord::order_times), and for
  // each history item its purchase times (ascending): parallel to history.
  absl::Span<const int64_t> order_times;
  absl::Span<const absl::Span<const int64_t>> purchase_times;
  // The ALS candidates, best first (may be empty); `als_score(item)` is the
  // customer vector's score for any item (NaN when they have no vector).
  absl::Span<const PicksCandidate> als;
  int64_t as_of = 0;
};

// Candidates and their features. Items `allowed` rejects are left out;
// `keep_row`, when given, drops candidates after they are chosen and
// before their item-level features are computed (the indexer's sampling
// of negatives: the candidates stay those the server would see);
// `cosine(a, b)` is the item vectors' cosine (0 when unknown). Order:
// history first, then new items as found; no duplicates.
std::vector<PicksRow> CollectPicksCandidates(
    const ItemGraph& graph, const PicksCustomer& customer,
    absl::FunctionRef<float(int32_t)> als_score,
    absl::FunctionRef<float(int32_t, int32_t)> cosine,
    absl::FunctionRef<bool(int32_t)> allowed,
    const PicksCandidateOptions& options = PicksCandidateOptions(),
    const std::function<bool(int32_t)>& keep_row = nullptr);

// The TIFU-style decayed frequency of an item (see kFeatDecayedShare):
// each order with the item counts 0.9^(orders after it).
double DecayedOrders(absl::Span<const int64_t> purchase_times,
                     absl::Span<const int64_t> order_times);

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_RANK_PICKS_FEATURES_H_
