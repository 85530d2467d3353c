#include "models/experiments/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace boomerang::experiments {
namespace {

using ::testing::HasSubstr;

ArmInput Arm(const char* name, int64_t units, int64_t converted,
             double order_value) {
  ArmInput a;
  a.name = name;
  a.share = 0.5;
  a.assigned = units;
  a.units = units;
  a.impressions = units * 4;
  a.clicks = units / 5;
  a.carted_units = converted * 2;
  a.converted_units = converted;
  for (int64_t i = 0; i < converted; ++i) {
    // Order values that vary: 0.5x .. 1.5x the typical order.
    const double v = order_value * (0.5 + static_cast<double>(i % 11) / 10);
    a.unit_revenue.push_back(v);
    a.revenue += v;
  }
  return a;
}

TEST(ReportTest, TheBetterArmIsCalledTheWinner) {
  std::vector<ArmInput> arms = {Arm("best_sellers", 10000, 300, 50),
                                Arm("ranker", 10000, 400, 50)};
  const ExperimentResult r = Analyze(arms, 0);
  ASSERT_EQ(r.arms.size(), 2u);
  EXPECT_FALSE(r.arms[0].has_comparison);
  const ArmResult& ranker = r.arms[1];
  ASSERT_TRUE(ranker.has_comparison);
  EXPECT_NEAR(ranker.conversion.value, 0.04, 1e-12);
  EXPECT_TRUE(ranker.conversion_vs_control.significant);
  EXPECT_GT(ranker.conversion_vs_control.difference, 0);
  EXPECT_TRUE(ranker.revenue_per_unit_vs_control.significant);
  EXPECT_GT(ranker.revenue_per_unit, r.arms[0].revenue_per_unit);
  EXPECT_LT(ranker.conversion.interval.low, 0.04);
  EXPECT_GT(ranker.conversion.interval.high, 0.04);
  EXPECT_FALSE(r.sample_ratio.mismatch);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(ReportTest, IdenticalArmsAreNotSignificant) {
  std::vector<ArmInput> arms = {Arm("a", 10000, 300, 50),
                                Arm("b", 10000, 300, 50)};
  const ExperimentResult r = Analyze(arms, 0);
  EXPECT_FALSE(r.arms[1].conversion_vs_control.significant);
  EXPECT_FALSE(r.arms[1].revenue_per_unit_vs_control.significant);
  EXPECT_NEAR(r.arms[1].conversion_vs_control.p_value, 1, 1e-9);
}

TEST(ReportTest, ABrokenSplitTripsTheSampleRatioCheck) {
  // Configured 50/50, assigned 70/30.
  std::vector<ArmInput> arms = {Arm("a", 7000, 210, 50),
                                Arm("b", 3000, 90, 50)};
  const ExperimentResult r = Analyze(arms, 0);
  EXPECT_TRUE(r.sample_ratio.mismatch);
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_THAT(r.warnings[0], HasSubstr("sample ratio mismatch"));
}

TEST(ReportTest, OneHugeOrderIsCappedAndSmallArmsAreFlagged) {
  std::vector<ArmInput> arms = {Arm("a", 10000, 300, 50),
                                Arm("b", 10000, 300, 50)};
  // A wholesale order of 1,000,000 in arm b.
  arms[1].unit_revenue[0] = 1e6;
  const ExperimentResult r = Analyze(arms, 0);
  // The cap is the 95th percentile of the buyers' revenue: at most the
  // typical top order (1.5 x 50), far below the outlier.
  EXPECT_GT(r.revenue_cap, 50);
  EXPECT_LE(r.revenue_cap, 75);
  EXPECT_LT(r.arms[1].revenue_per_unit, 1.6);
  EXPECT_FALSE(r.arms[1].revenue_per_unit_vs_control.significant);

  std::vector<ArmInput> small = {Arm("a", 50, 2, 50), Arm("b", 50, 3, 50)};
  const ExperimentResult s = Analyze(small, 0);
  ASSERT_EQ(s.warnings.size(), 2u);
  EXPECT_THAT(s.warnings[1], HasSubstr("'b' is too small to call"));
}

// A/A tests on simulated traffic (3% conversion, exponential order
// values): at alpha 0.05 about 1 in 20 comes out significant by chance;
// of 40 seeds at least 95% must not.
TEST(ReportTest, AaTestsAreSignificantOnlyByChance) {
  int quiet_conversion = 0, quiet_revenue = 0;
  for (int seed = 1; seed <= 40; ++seed) {
    std::mt19937_64 rng(seed);
    std::bernoulli_distribution buys(0.03);
    std::exponential_distribution<double> value(1.0 / 60);
    std::vector<ArmInput> arms(2);
    for (int k = 0; k < 2; ++k) {
      ArmInput& a = arms[k];
      a.name = k == 0 ? "a" : "b";
      a.share = 0.5;
      a.assigned = a.units = 5000;
      a.impressions = 20000;
      for (int u = 0; u < a.units; ++u) {
        if (!buys(rng)) continue;
        ++a.converted_units;
        a.unit_revenue.push_back(value(rng));
        a.revenue += a.unit_revenue.back();
      }
    }
    const ExperimentResult r = Analyze(arms, 0);
    quiet_conversion += r.arms[1].conversion_vs_control.significant ? 0 : 1;
    quiet_revenue += r.arms[1].revenue_per_unit_vs_control.significant ? 0 : 1;
  }
  EXPECT_GE(quiet_conversion, 38) << quiet_conversion;
  EXPECT_GE(quiet_revenue, 38) << quiet_revenue;
}

}  // namespace
}  // namespace boomerang::experiments
