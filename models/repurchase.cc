#include "models/repurchase.h"

#include <algorithm>
#include <cmath>

namespace boomerang {
namespace {

constexpr double kDay = 86400.0;

// Gaps in days between purchases at least min_gap_days apart.
std::vector<double> Gaps(absl::Span<const int64_t> sorted_or_not,
                         double min_gap_days) {
  std::vector<int64_t> times(sorted_or_not.begin(), sorted_or_not.end());
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

}  // namespace

ItemCycle EstimateItemCycle(const std::vector<std::vector<int64_t>>& buyers,
                            const RepurchaseOptions& options) {
  std::vector<absl::Span<const int64_t>> spans(buyers.begin(), buyers.end());
  return EstimateItemCycle(absl::MakeConstSpan(spans), options);
}

ItemCycle EstimateItemCycle(absl::Span<const absl::Span<const int64_t>> buyers,
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
  std::vector<double> gaps = Gaps(purchases, options.min_gap_days);
  RepurchaseEstimate e;
  e.gaps = static_cast<int32_t>(gaps.size());
  const bool have_population = item.interval_days > 0;
  if (gaps.empty()) {
    if (!item.habitual || !have_population) return std::nullopt;
    e.interval_days = item.interval_days;
    e.log_spread = options.prior_log_spread;
    // Smoothed like the customer's own (Laplace): 3 of 3 buyers re-buying
    // is not certainty.
    e.keep_buying = (item.repeat_buyers + 1.0) / (item.buyers + 2.0);
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
    // MAD x 1.4826 estimates sigma for a normal; shrink like the interval,
    // and keep a floor: nobody re-buys to the day.
    const double sigma = 1.4826 * spread;
    const double k_spread = options.prior_gaps;
    e.log_spread = std::max(
        0.15,
        std::sqrt((n * sigma * sigma + k_spread * options.prior_log_spread *
                                           options.prior_log_spread) /
                  (n + k_spread)));
  }
  if (!gaps.empty()) {
    e.keep_buying = (gaps.size() + 1.0) / (gaps.size() + 2.0);
  }
  e.last_purchase = last;
  e.next_purchase = last + static_cast<int64_t>(e.interval_days * kDay);
  return e;
}

ItemCycle CycleOfItem(const v1::ItemRecord& record) {
  ItemCycle cycle;
  cycle.interval_days = record.repurchase_interval_days();
  cycle.repeat_buyers = static_cast<int32_t>(record.repeat_buyers());
  cycle.buyers = static_cast<int32_t>(record.customers());
  cycle.habitual = record.habitual();
  return cycle;
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

double DaysUntilDue(const RepurchaseEstimate& estimate, int64_t as_of) {
  return (estimate.next_purchase - as_of) / kDay;
}

namespace {

// Log-normal survival function of a gap of `days` around the estimate's
// interval, computed directly (1 - CDF loses the tail's precision).
double GapSurvival(const RepurchaseEstimate& estimate, double days) {
  if (days <= 0) return 1.0;
  const double sigma = std::max(estimate.log_spread, 0.05);
  const double mu = std::log(estimate.interval_days);
  return 0.5 * std::erfc((std::log(days) - mu) / (sigma * std::sqrt(2.0)));
}

double DaysSince(const RepurchaseEstimate& estimate, int64_t as_of) {
  return std::max(0.0, (as_of - estimate.last_purchase) / kDay);
}

}  // namespace

double ProbabilityStillBuying(const RepurchaseEstimate& estimate,
                              int64_t as_of) {
  if (estimate.interval_days <= 0) return 0;
  const double survive = GapSurvival(estimate, DaysSince(estimate, as_of));
  if (survive <= 1e-300) return 0;
  const double pi = std::clamp(estimate.keep_buying, 0.0, 1.0);
  return pi * survive / (pi * survive + (1 - pi));
}

bool Lapsed(const RepurchaseEstimate& estimate, int64_t as_of,
            const LapseRule& rule) {
  return estimate.interval_days > 0 &&
         DaysSince(estimate, as_of) >=
             rule.min_intervals * estimate.interval_days &&
         ProbabilityStillBuying(estimate, as_of) < rule.below;
}

bool DueAgain(const RepurchaseEstimate& estimate, int64_t as_of,
              const LapseRule& rule) {
  return estimate.interval_days > 0 &&
         DaysSince(estimate, as_of) >= kDueAgainFrom * estimate.interval_days &&
         !Lapsed(estimate, as_of, rule);
}

double ProbabilityWithin(const RepurchaseEstimate& estimate, int64_t as_of,
                         double horizon_days) {
  if (estimate.interval_days <= 0 || horizon_days <= 0) return 0;
  const double since = DaysSince(estimate, as_of);
  const double survive = GapSurvival(estimate, since);
  if (survive <= 1e-300) return 0;
  const double alive = ProbabilityStillBuying(estimate, as_of);
  return std::clamp(
      alive * (survive - GapSurvival(estimate, since + horizon_days)) / survive,
      0.0, 1.0);
}

}  // namespace boomerang
