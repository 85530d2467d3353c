// The numbers of an A/B report (issue 14) from per-arm aggregates: rates
// and revenue per unit with 95% intervals, each arm against the control
// (two-proportion z-tests for rates; Welch's t-test for revenue per unit
// with revenue capped at the 95th percentile, as Algolia does), the
// sample-ratio check on assignment counts, and warnings when a sample is
// too small to call.
#ifndef BOOMERANG_MODELS_EXPERIMENTS_REPORT_H_
#define BOOMERANG_MODELS_EXPERIMENTS_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "models/experiments/stats.h"

namespace boomerang::experiments {

// What one arm of one placement saw. A unit is a customer (or a guest's
// session) assigned to the arm who was shown at least one list.
struct ArmInput {
  std::string name;
  double share = 0;      // configured traffic share (any positive scale)
  int64_t assigned = 0;  // units assigned (the sample-ratio check)
  int64_t units = 0;     // units shown a list
  int64_t impressions = 0;
  int64_t clicks = 0;           // clicks on listed items
  int64_t carted_units = 0;     // units with an attributed cart add
  int64_t converted_units = 0;  // units with an attributed purchase
  double revenue = 0;           // attributed, uncapped
  // The attributed revenue of each unit that has any (the others have 0).
  std::vector<double> unit_revenue;
};

struct Rate {
  int64_t successes = 0;
  int64_t trials = 0;
  double value = 0;
  Interval interval;  // Wilson, 95%
};

struct ArmResult {
  std::string name;
  int64_t assigned = 0, units = 0, impressions = 0, clicks = 0;
  double revenue = 0;
  Rate click_through;  // clicks / impressions
  Rate add_to_cart;    // carted units / units
  Rate conversion;     // converted units / units
  // Revenue per unit with each unit's revenue capped at `cap`.
  double revenue_per_unit = 0;
  Interval revenue_per_unit_interval;
  // Against the control (absent for the control itself).
  bool has_comparison = false;
  Comparison click_through_vs_control, add_to_cart_vs_control,
      conversion_vs_control, revenue_per_unit_vs_control;
};

struct ExperimentResult {
  std::vector<ArmResult> arms;
  double revenue_cap = 0;  // the 95th percentile of units' revenue (>0)
  SampleRatio sample_ratio;
  std::vector<std::string> warnings;
};

struct ReportOptions {
  double alpha = 0.05;
  double revenue_cap_percentile = 0.95;
  // Below these an arm's comparison is flagged as too small to call.
  int64_t min_units = 100;
  int64_t min_conversions = 10;
};

// `control`: the index of the control arm in `arms`.
ExperimentResult Analyze(absl::Span<const ArmInput> arms, int control,
                         const ReportOptions& options = {});

}  // namespace boomerang::experiments

#endif  // BOOMERANG_MODELS_EXPERIMENTS_REPORT_H_
