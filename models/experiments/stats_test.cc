// Reference values computed independently (Python: closed forms with
// math.erfc for the normal and chi-square(1, 2), Simpson integration of the
// t density for Welch's p-value; Welch's first example from Wikipedia).
#include "models/experiments/stats.h"

#include <gtest/gtest.h>

#include <vector>

namespace boomerang::experiments {
namespace {

TEST(StatsTest, WilsonIntervalOfAProportion) {
  Interval i = WilsonInterval(50, 100);
  EXPECT_NEAR(i.low, 0.4038315, 1e-6);
  EXPECT_NEAR(i.high, 0.5961685, 1e-6);
  // No successes: the interval starts at 0 and is not empty.
  i = WilsonInterval(0, 10);
  EXPECT_NEAR(i.low, 0, 1e-12);
  EXPECT_NEAR(i.high, 0.2775328, 1e-6);
  i = WilsonInterval(3, 10);
  EXPECT_NEAR(i.low, 0.1077913, 1e-6);
  EXPECT_NEAR(i.high, 0.6032219, 1e-6);
  i = WilsonInterval(0, 0);
  EXPECT_EQ(i.low, 0);
  EXPECT_EQ(i.high, 0);
}

TEST(StatsTest, TwoProportionZTest) {
  // 20% vs 25% of 1,000 each: pooled 22.5%, z = 2.6774, p = 0.00742.
  Comparison c = TwoProportionTest(200, 1000, 250, 1000);
  EXPECT_NEAR(c.control, 0.2, 1e-12);
  EXPECT_NEAR(c.treatment, 0.25, 1e-12);
  EXPECT_NEAR(c.difference, 0.05, 1e-12);
  EXPECT_NEAR(c.relative, 0.25, 1e-12);
  EXPECT_NEAR(c.statistic, 2.6773978, 1e-6);
  EXPECT_NEAR(c.p_value, 0.0074196, 1e-6);
  EXPECT_TRUE(c.significant);
  EXPECT_LT(c.interval.low, 0.05);
  EXPECT_GT(c.interval.low, 0);  // significant: the interval excludes 0
  // Swapped arms: the same test, the other sign.
  Comparison back = TwoProportionTest(250, 1000, 200, 1000);
  EXPECT_NEAR(back.statistic, -c.statistic, 1e-9);
  EXPECT_NEAR(back.p_value, c.p_value, 1e-12);
  // Equal rates: nothing to see.
  c = TwoProportionTest(100, 1000, 100, 1000);
  EXPECT_NEAR(c.p_value, 1, 1e-12);
  EXPECT_FALSE(c.significant);
  // Degenerate inputs never divide by zero.
  EXPECT_EQ(TwoProportionTest(0, 0, 5, 10).p_value, 1);
  EXPECT_EQ(TwoProportionTest(0, 10, 0, 10).p_value, 1);
  EXPECT_EQ(TwoProportionTest(10, 10, 10, 10).p_value, 1);
}

Moments Of(const std::vector<double>& xs) {
  Moments m;
  for (double x : xs) m.Add(x);
  return m;
}

TEST(StatsTest, WelchTestOnTwoSamples) {
  const std::vector<double> a = {27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1,
                                 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4};
  const std::vector<double> b = {27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0,
                                 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4};
  const Comparison c = WelchTest(Of(a), Of(b));
  EXPECT_NEAR(c.statistic, 2.4553564, 1e-6);
  EXPECT_NEAR(c.degrees_of_freedom, 24.9885293, 1e-6);
  EXPECT_NEAR(c.p_value, 0.021378, 1e-5);
  EXPECT_TRUE(c.significant);
  EXPECT_GT(c.interval.low, 0);
  // The t interval of one mean: 20.82 +- t(0.975, 14) * 0.72422.
  const Interval i = MeanInterval(Of(a));
  EXPECT_NEAR(i.low, 20.82 - 2.1447867 * 0.7242204, 1e-5);
  EXPECT_NEAR(i.high, 20.82 + 2.1447867 * 0.7242204, 1e-5);
  // Too few values, or no spread: no test.
  EXPECT_EQ(WelchTest(Of({1}), Of(b)).p_value, 1);
  EXPECT_EQ(WelchTest(Of({2, 2, 2}), Of({2, 2})).p_value, 1);
}

TEST(StatsTest, MomentsMergeLikeOneSample) {
  const std::vector<double> all = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5};
  Moments left = Of({3, 1, 4, 1, 5}), right = Of({9, 2, 6, 5, 3, 5});
  left.Merge(right);
  const Moments whole = Of(all);
  EXPECT_EQ(left.n, whole.n);
  EXPECT_NEAR(left.mean, whole.mean, 1e-12);
  EXPECT_NEAR(left.variance(), whole.variance(), 1e-12);
  Moments empty;
  empty.Merge(whole);
  EXPECT_NEAR(empty.variance(), whole.variance(), 1e-12);
}

TEST(StatsTest, SampleRatioMismatch) {
  // 5,100 / 4,900 against 50/50: chi-square 4, p = 0.0455: fine at 0.001.
  std::vector<int64_t> counts = {5100, 4900};
  std::vector<double> shares = {0.5, 0.5};
  SampleRatio r = SampleRatioTest(counts, shares);
  EXPECT_NEAR(r.chi_square, 4, 1e-9);
  EXPECT_NEAR(r.p_value, 0.0455003, 1e-6);
  EXPECT_FALSE(r.mismatch);
  // A 70/30 split configured as 50/50 over 1,000 units: broken.
  counts = {700, 300};
  r = SampleRatioTest(counts, shares);
  EXPECT_NEAR(r.chi_square, 160, 1e-9);
  EXPECT_LT(r.p_value, 1e-30);
  EXPECT_TRUE(r.mismatch);
  // ... and right when the configuration says 70/30.
  shares = {70, 30};
  EXPECT_FALSE(SampleRatioTest(counts, shares).mismatch);
  // Three arms, two degrees of freedom: p = exp(-chi2 / 2).
  counts = {3400, 3300, 3300};
  shares = {1, 1, 1};
  r = SampleRatioTest(counts, shares);
  EXPECT_NEAR(r.chi_square, 2, 1e-9);
  EXPECT_NEAR(r.p_value, 0.3678794, 1e-6);
  // A hold-out arm with share 0 counts for nothing.
  counts = {500, 500, 0};
  shares = {0.5, 0.5, 0};
  EXPECT_NEAR(SampleRatioTest(counts, shares).chi_square, 0, 1e-12);
  // Nothing assigned yet, or mismatched sizes: no verdict.
  EXPECT_FALSE(SampleRatioTest(std::vector<int64_t>{0, 0}, shares).mismatch);
  EXPECT_EQ(SampleRatioTest(std::vector<int64_t>{1, 2, 3},
                            std::vector<double>{0.5, 0.5})
                .p_value,
            1);
}

}  // namespace
}  // namespace boomerang::experiments
