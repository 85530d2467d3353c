#include "models/repurchase.h"

#include <algorithm>
#include <cmath>

namespace boomerang {
namespace {

constexpr double kDay = 86400.0;

// Gaps in days between purchases at least min_gap_days apart.
std::vector<double> Gaps(std::vector<int64_t> times, double min_gap_days) {
  std::sort(times.begin(), times.end());
  std::vector<double> gaps;
  int64_t last = 0;
  bool have_last = false;
  for (int64_t t : times) {
    if (have_last) {
      const double gap = (t - last) / kDay;
      if (gap < min_gap_days) continue;  // same trip: keep the first time
      gaps.push_back(gap);
    }
    last = t;
    have_last = true;
  }
  return gaps;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) {
    m = (m + *std::max_element(v.begin(), v.begin() + mid)) / 2;
  }
  return m;
}

}  // namespace

ItemCycle EstimateItemCycle(const std::vector<std::vector<int64_t>>& buyers,
                            const RepurchaseOptions& options) {
  ItemCycle cycle;
  std::vector<double> per_buyer;
  for (const auto& times : buyers) {
    if (times.empty()) continue;
    ++cycle.buyers;
    std::vector<double> gaps = Gaps(times, options.min_gap_days);
    if (gaps.empty()) continue;
    ++cycle.repeat_buyers;
    per_buyer.push_back(Median(std::move(gaps)));
  }
  if (cycle.repeat_buyers > 0) cycle.interval_days = Median(per_buyer);
  cycle.habitual = cycle.repeat_buyers >= options.min_repeat_buyers &&
                   cycle.buyers > 0 &&
                   static_cast<double>(cycle.repeat_buyers) / cycle.buyers >=
                       options.habitual_share;
  return cycle;
}

std::optional<RepurchaseEstimate> EstimateRepurchase(
    absl::Span<const int64_t> purchases, const ItemCycle& item,
    const RepurchaseOptions& options) {
  if (purchases.empty()) return std::nullopt;
  const int64_t last = *std::max_element(purchases.begin(), purchases.end());
  std::vector<double> gaps =
      Gaps({purchases.begin(), purchases.end()}, options.min_gap_days);
  RepurchaseEstimate e;
  e.gaps = static_cast<int32_t>(gaps.size());
  const bool have_population = item.interval_days > 0;
  if (gaps.empty()) {
    if (!item.habitual || !have_population) return std::nullopt;
    e.interval_days = item.interval_days;
    // Only the population speaks: confidence is the prior's share.
    e.confidence = 0.25 * std::min(1.0, item.repeat_buyers / 20.0);
  } else {
    std::vector<double> logs;
    for (double g : gaps) logs.push_back(std::log(g));
    const double own = Median(logs);
    const double n = static_cast<double>(gaps.size());
    const double k = have_population ? options.prior_gaps : 0;
    const double log_interval =
        (n * own + (k > 0 ? k * std::log(item.interval_days) : 0)) / (n + k);
    e.interval_days = std::exp(log_interval);
    std::vector<double> dev;
    for (double l : logs) dev.push_back(std::fabs(l - own));
    const double spread = Median(dev);  // MAD of log-gaps; 0.7 ~ x2 off
    e.confidence = (n / (n + options.prior_gaps)) / (1 + 2 * spread);
  }
  e.next_purchase = last + static_cast<int64_t>(e.interval_days * kDay);
  return e;
}

double DaysUntilDue(const RepurchaseEstimate& estimate, int64_t as_of) {
  return (estimate.next_purchase - as_of) / kDay;
}

}  // namespace boomerang
