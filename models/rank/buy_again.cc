#include "models/rank/buy_again.h"

#include <algorithm>

namespace boomerang {
namespace {

// Purchases up to and including `as_of` (times are ascending).
int PurchasesUpTo(const BoughtItem& bought, int64_t as_of) {
  const auto& times = bought.purchase_times;
  return static_cast<int>(std::upper_bound(times.begin(), times.end(), as_of) -
                          times.begin());
}

double TypicalQuantity(const BoughtItem& bought, int n) {
  std::vector<double> q;
  for (int k = 0;
       k < n && k < static_cast<int>(bought.purchase_quantities.size()); ++k) {
    q.push_back(bought.purchase_quantities[k]);
  }
  return Median(std::move(q));
}

}  // namespace

std::optional<RepurchaseTiming> TimeBoughtItem(const BoughtItem& bought,
                                               int64_t as_of,
                                               double horizon_days) {
  if (bought.item < 0) return std::nullopt;
  const int n = PurchasesUpTo(bought, as_of);
  if (n == 0) return std::nullopt;
  auto estimate =
      EstimateRepurchase(bought.purchase_times.subspan(0, n), bought.cycle);
  if (!estimate.has_value()) return std::nullopt;
  RepurchaseTiming t;
  t.item = bought.item;
  t.estimate = *estimate;
  t.days_until_due = DaysUntilDue(*estimate, as_of);
  t.probability = ProbabilityWithin(*estimate, as_of, horizon_days);
  t.orders = n;
  t.typical_quantity = TypicalQuantity(bought, n);
  return t;
}

bool MoreLikely(const RepurchaseTiming& a, const RepurchaseTiming& b) {
  if (a.probability != b.probability) return a.probability > b.probability;
  return a.estimate.confidence > b.estimate.confidence;
}

BuyAgainList RankBuyAgain(absl::Span<const BoughtItem> items, int64_t as_of,
                          double horizon_days, int limit, bool include_lapsed,
                          bool dated_only,
                          absl::FunctionRef<bool(int32_t)> allowed,
                          const BuyAgainOptions& options) {
  BuyAgainList list;
  // Items without a cycle (bought on one day, not a habitual item), for
  // filling the list.
  std::vector<const BoughtItem*> undated;
  for (const BoughtItem& bought : items) {
    std::optional<RepurchaseTiming> t =
        TimeBoughtItem(bought, as_of, horizon_days);
    if (t.has_value()) {
      if (!allowed(t->item)) continue;
      // A habit that has most likely stopped is no reminder: "5446 days
      // overdue" at a probability of 0.0005 tells the customer nothing.
      if (!include_lapsed && Lapsed(t->estimate, as_of, options.lapse)) {
        ++list.lapsed;
        continue;
      }
      list.due.push_back(*t);
    } else if (!dated_only) {
      undated.push_back(&bought);
    }
  }
  std::stable_sort(list.due.begin(), list.due.end(), MoreLikely);
  if (static_cast<int>(list.due.size()) > limit) list.due.resize(limit);
  std::vector<BuyAgainFill> fill;
  for (const BoughtItem* bought : undated) {
    if (bought->item < 0 || !allowed(bought->item)) continue;
    const int n = PurchasesUpTo(*bought, as_of);
    if (n == 0) continue;
    fill.push_back(BuyAgainFill{bought->item, n, bought->purchase_times[n - 1],
                                TypicalQuantity(*bought, n)});
  }
  std::stable_sort(fill.begin(), fill.end(),
                   [](const BuyAgainFill& a, const BuyAgainFill& b) {
                     if (a.orders != b.orders) return a.orders > b.orders;
                     return a.last_purchase > b.last_purchase;
                   });
  const int room = limit - static_cast<int>(list.due.size());
  if (static_cast<int>(fill.size()) > room) fill.resize(std::max(0, room));
  list.fill = std::move(fill);
  return list;
}

std::vector<RepurchaseTiming> DueInWindow(
    absl::Span<const BoughtItem> items, int64_t as_of, const DueWindow& window,
    absl::FunctionRef<bool(int32_t)> allowed) {
  std::vector<RepurchaseTiming> due;
  for (const BoughtItem& bought : items) {
    std::optional<RepurchaseTiming> t =
        TimeBoughtItem(bought, as_of, window.lead_days);
    if (!t.has_value() || t->days_until_due > window.lead_days ||
        t->days_until_due < -window.overdue_days ||
        t->estimate.confidence < window.min_confidence ||
        t->probability < window.min_probability || !allowed(t->item)) {
      continue;
    }
    due.push_back(*t);
  }
  std::stable_sort(due.begin(), due.end(), MoreLikely);
  if (static_cast<int>(due.size()) > window.max_items) {
    due.resize(window.max_items);
  }
  return due;
}

}  // namespace boomerang
