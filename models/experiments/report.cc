#include "models/experiments/report.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace boomerang::experiments {
namespace {

Rate RateOf(int64_t successes, int64_t trials) {
  Rate r;
  r.successes = successes;
  r.trials = trials;
  r.value = trials > 0 ? static_cast<double>(successes) / trials : 0;
  r.interval = WilsonInterval(successes, trials);
  return r;
}

// The p-th quantile (linear interpolation) of the buyers' revenue over all
// arms: the cap that keeps one bulk order from deciding the test. Among
// units with revenue only: with most units at 0, a quantile over all would
// be 0.
double RevenueCap(absl::Span<const ArmInput> arms, double p) {
  std::vector<double> all;
  for (const ArmInput& a : arms) {
    for (double r : a.unit_revenue) {
      if (r > 0) all.push_back(r);
    }
  }
  if (all.empty()) return 0;
  std::sort(all.begin(), all.end());
  const double at = p * static_cast<double>(all.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(at));
  const size_t hi = std::min(lo + 1, all.size() - 1);
  return all[lo] + (all[hi] - all[lo]) * (at - static_cast<double>(lo));
}

// Revenue per unit, capped, over every unit (those without revenue as 0).
Moments RevenueMoments(const ArmInput& a, double cap) {
  Moments m;
  int64_t buyers = 0;
  for (double r : a.unit_revenue) {
    if (r <= 0) continue;
    m.Add(std::min(r, cap));
    ++buyers;
  }
  Moments zeros;  // the units without revenue: n zeros, no spread
  zeros.n = std::max<int64_t>(0, a.units - buyers);
  m.Merge(zeros);
  return m;
}

}  // namespace

ExperimentResult Analyze(absl::Span<const ArmInput> arms, int control,
                         const ReportOptions& options) {
  ExperimentResult out;
  if (arms.empty() || control < 0 || control >= static_cast<int>(arms.size()))
    return out;
  out.revenue_cap = RevenueCap(arms, options.revenue_cap_percentile);
  std::vector<int64_t> assigned;
  std::vector<double> shares;
  std::vector<Moments> revenue;
  for (const ArmInput& a : arms) {
    assigned.push_back(a.assigned);
    shares.push_back(a.share);
    revenue.push_back(RevenueMoments(a, out.revenue_cap));
  }
  out.sample_ratio = SampleRatioTest(assigned, shares);
  if (out.sample_ratio.mismatch) {
    out.warnings.push_back(absl::StrFormat(
        "sample ratio mismatch: assignments do not follow the configured "
        "shares (chi-square %.1f, p = %.2g); the arms cannot be compared "
        "until the assignment or the logging is fixed",
        out.sample_ratio.chi_square, out.sample_ratio.p_value));
  }
  const ArmInput& c = arms[control];
  for (size_t i = 0; i < arms.size(); ++i) {
    const ArmInput& a = arms[i];
    ArmResult r;
    r.name = a.name;
    r.assigned = a.assigned;
    r.units = a.units;
    r.impressions = a.impressions;
    r.clicks = a.clicks;
    r.revenue = a.revenue;
    r.click_through = RateOf(a.clicks, a.impressions);
    r.add_to_cart = RateOf(a.carted_units, a.units);
    r.conversion = RateOf(a.converted_units, a.units);
    r.revenue_per_unit = revenue[i].mean;
    r.revenue_per_unit_interval = MeanInterval(revenue[i]);
    if (static_cast<int>(i) != control) {
      r.has_comparison = true;
      r.click_through_vs_control = TwoProportionTest(
          c.clicks, c.impressions, a.clicks, a.impressions, options.alpha);
      r.add_to_cart_vs_control = TwoProportionTest(
          c.carted_units, c.units, a.carted_units, a.units, options.alpha);
      r.conversion_vs_control =
          TwoProportionTest(c.converted_units, c.units, a.converted_units,
                            a.units, options.alpha);
      r.revenue_per_unit_vs_control =
          WelchTest(revenue[control], revenue[i], options.alpha);
    }
    if (a.units < options.min_units ||
        a.converted_units < options.min_conversions) {
      out.warnings.push_back(
          absl::StrCat("arm '", a.name, "' is too small to call: ", a.units,
                       " customers shown a list, ", a.converted_units,
                       " converted (at least ", options.min_units, " and ",
                       options.min_conversions, " are needed)"));
    }
    out.arms.push_back(std::move(r));
  }
  return out;
}

}  // namespace boomerang::experiments
