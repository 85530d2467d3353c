#include "models/segments.h"

#include <cmath>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace boomerang {
namespace {

int64_t At(int y, int m, int d) {
  return absl::ToUnixSeconds(
      absl::FromCivil(absl::CivilDay(y, m, d), absl::UTCTimeZone()));
}

TEST(AbcCutoffsTest, ExactEightyPercentEndsTheAClass) {
  // Total 100, descending 50 30 10 5 3 2: 50 + 30 make exactly 80%, so 10
  // (80 before it) is B, 5 (90 before) is B, 3 (95 before) is C.
  const std::vector<double> revenues = {3, 50, 10, 2, 30, 5};
  const ClassCutoffs cut = ComputeAbcCutoffs(revenues);
  EXPECT_EQ(cut.abc_a_min, 30);
  EXPECT_EQ(cut.abc_b_min, 5);
  EXPECT_EQ(AbcClass(cut, 50), "A");
  EXPECT_EQ(AbcClass(cut, 30), "A");
  EXPECT_EQ(AbcClass(cut, 29.99), "B");
  EXPECT_EQ(AbcClass(cut, 5), "B");
  EXPECT_EQ(AbcClass(cut, 3), "C");
  EXPECT_EQ(AbcClass(cut, 0), "C");
}

TEST(AbcCutoffsTest, TheOneThatCrossesEightyPercentIsA) {
  // 60 alone is under 80%; 30 takes the total to 90%: it is A, and the
  // last 10 (90 before it) is B.
  const ClassCutoffs cut = ComputeAbcCutoffs(std::vector<double>{10, 60, 30});
  EXPECT_EQ(cut.abc_a_min, 30);
  EXPECT_EQ(cut.abc_b_min, 10);
}

TEST(AbcCutoffsTest, TiesWithTheLastAAreA) {
  // Of 120: 40, 40 and the first 20 are A (0, 33% and 67% before them);
  // the second 20 has 83% before it, but ties share a class: A as well.
  const ClassCutoffs cut =
      ComputeAbcCutoffs(std::vector<double>{20, 40, 20, 40});
  EXPECT_EQ(cut.abc_a_min, 20);
  EXPECT_EQ(AbcClass(cut, 20), "A");
}

TEST(AbcCutoffsTest, CustomShares) {
  // Half / next 30%: 50 (0 before) A, 30 (50 before) B, 10 (80 before) C.
  const ClassCutoffs cut = ComputeAbcCutoffs(
      std::vector<double>{50, 30, 10, 5, 3, 2}, AbcShares{0.5, 0.3});
  EXPECT_EQ(cut.abc_a_min, 50);
  EXPECT_EQ(cut.abc_b_min, 30);
  EXPECT_EQ(AbcClass(cut, 10), "C");
}

TEST(AbcCutoffsTest, NoRevenueMeansNoClasses) {
  EXPECT_FALSE(ComputeAbcCutoffs({}).has_abc());
  const ClassCutoffs zero = ComputeAbcCutoffs(std::vector<double>{0, 0, -5});
  EXPECT_FALSE(zero.has_abc());
  EXPECT_EQ(AbcClass(zero, 10), "");
  // Negative revenue (net returns) counts as none: 100 alone is A.
  const ClassCutoffs one = ComputeAbcCutoffs(std::vector<double>{-50, 100});
  EXPECT_EQ(one.abc_a_min, 100);
  EXPECT_EQ(AbcClass(one, -50), "C");
}

TEST(AbcCutoffsTest, AClassHoldsAboutItsShareOnASkewedShop) {
  // 1000 customers with revenue 1/rank (Zipf): A's revenue share is at
  // least 80% and less than 80% plus the last A customer's share.
  std::vector<double> revenues;
  double total = 0;
  for (int k = 1; k <= 1000; ++k) {
    revenues.push_back(1000.0 / k);
    total += 1000.0 / k;
  }
  const ClassCutoffs cut = ComputeAbcCutoffs(revenues);
  double a = 0, b = 0;
  int a_count = 0;
  for (double r : revenues) {
    if (AbcClass(cut, r) == "A") a += r, ++a_count;
    if (AbcClass(cut, r) == "B") b += r;
  }
  EXPECT_GE(a / total, 0.80);
  EXPECT_LT(a / total - cut.abc_a_min / total, 0.80);
  EXPECT_GE((a + b) / total, 0.95);
  EXPECT_LT(a_count, 500);  // a skewed shop: a minority of customers
}

TEST(MonthlySeriesTest, CalendarMonthsWithZeros) {
  EXPECT_EQ(MonthIndex(At(2011, 12, 9)), 2011 * 12 + 11);
  EXPECT_EQ(MonthIndex(At(1970, 1, 1)), 1970 * 12);
  const std::vector<int64_t> times = {At(2011, 1, 15), At(2011, 3, 1),
                                      At(2011, 1, 20), At(2011, 6, 1)};
  const std::vector<double> values = {10, 15, 5, 99};
  // As of May 10: Jan..May; the June order is after as_of.
  const std::vector<double> s = MonthlySeries(times, values, At(2011, 5, 10));
  EXPECT_EQ(s, (std::vector<double>{15, 0, 15, 0, 0}));
  // mean 6, variance (81 + 36 + 81 + 36 + 36) / 5 = 54: CV sqrt(54) / 6,
  // which is sqrt(5 / 2 - 1) (bought 2 of 5 months, same amount).
  EXPECT_NEAR(CoefficientOfVariation(s), std::sqrt(1.5), 1e-12);
  EXPECT_TRUE(MonthlySeries(times, values, At(2010, 12, 31)).empty());
  // Midnight on June 1st ends May: no June of 0.
  EXPECT_EQ(MonthlySeries(times, values, At(2011, 6, 1) - 1).size(), 5u);
  EXPECT_EQ(MonthlySeries({At(2011, 1, 15)}, {10}, At(2011, 6, 1)).size(), 5u);
}

TEST(MonthIndexTest, AgreesWithAbslEveryFewHoursFrom1900To2100) {
  const int64_t from = At(1900, 1, 1), to = At(2100, 12, 31);
  for (int64_t t = from; t <= to; t += 7 * 3600 + 13) {
    const absl::CivilMonth m =
        absl::ToCivilMonth(absl::FromUnixSeconds(t), absl::UTCTimeZone());
    ASSERT_EQ(MonthIndex(t), m.year() * 12 + m.month() - 1) << t;
  }
  // Month edges: the last second of January and the first of February.
  EXPECT_EQ(MonthIndex(At(2024, 2, 1) - 1), 2024 * 12);
  EXPECT_EQ(MonthIndex(At(2024, 2, 1)), 2024 * 12 + 1);
  EXPECT_EQ(MonthIndex(At(2024, 3, 1) - 1), 2024 * 12 + 1);  // Feb 29th
}

TEST(CoefficientOfVariationTest, HandCases) {
  EXPECT_EQ(CoefficientOfVariation(std::vector<double>{7, 7, 7}), 0);
  EXPECT_DOUBLE_EQ(CoefficientOfVariation(std::vector<double>{2, 0}), 1);
  EXPECT_EQ(CoefficientOfVariation(std::vector<double>{0, 0}), -1);
  EXPECT_EQ(CoefficientOfVariation({}), -1);
}

TEST(XyzClassTest, ThresholdsAndShortHistories) {
  const XyzThresholds t{1.0, 2.0, 3};
  EXPECT_EQ(XyzClass(t, 0.0, 12), "X");
  EXPECT_EQ(XyzClass(t, 1.0, 12), "X");  // up to x_max
  EXPECT_EQ(XyzClass(t, 1.01, 12), "Y");
  EXPECT_EQ(XyzClass(t, 2.0, 12), "Y");
  EXPECT_EQ(XyzClass(t, 2.01, 12), "Z");
  EXPECT_EQ(XyzClass(t, 0.0, 2), "Z");  // too new to call steady
  EXPECT_EQ(XyzClass(t, -1, 12), "Z");  // no value at all
  EXPECT_EQ(XyzClass(XyzThresholds{0, 0, 3}, 0.0, 12), "");
}

TEST(ClassifyCustomerTest, SteadyLumpyAndSingleOrderCustomers) {
  ClassCutoffs cut;
  cut.abc_a_min = 100;
  cut.abc_b_min = 20;
  cut.xyz = kCustomerXyz;
  const int64_t as_of = At(2011, 6, 10);
  // 20 every month Jan..Jun: CV 0.
  std::vector<int64_t> t;
  std::vector<double> v;
  for (int m = 1; m <= 6; ++m) t.push_back(At(2011, m, 3)), v.push_back(20);
  Classes c = ClassifyCustomer(120, t, v, as_of, cut);
  EXPECT_EQ(c.abc, "A");
  EXPECT_EQ(c.xyz, "X");
  // Jan and Apr only, 30 each: 2 of 6 months, CV sqrt(2).
  c = ClassifyCustomer(60, {At(2011, 1, 5), At(2011, 4, 5)}, {30, 30}, as_of,
                       cut);
  EXPECT_EQ(c.abc, "B");
  EXPECT_EQ(c.xyz, "Y");
  // One order in January: CV sqrt(5) > 2.
  c = ClassifyCustomer(5, {At(2011, 1, 5)}, {5}, as_of, cut);
  EXPECT_EQ(c.abc, "C");
  EXPECT_EQ(c.xyz, "Z");
  // A snapshot without cut-offs: no classes.
  c = ClassifyCustomer(120, t, v, as_of, ClassCutoffs());
  EXPECT_EQ(c.abc, "");
  EXPECT_EQ(c.xyz, "");
}

TEST(ClassifyItemsTest, RevenueAndMonthlyUnits) {
  const int64_t jan = 2011 * 12, as_of = jan + 5;  // Jan..Jun
  std::vector<std::vector<ItemMonth>> items(4);
  for (int m = 0; m < 6; ++m) {  // 10 units every month, 700 in all
    AddItemMonth(jan + m, 10, m == 0 ? 200 : 100, &items[0]);
  }
  // Jan, Mar, May (5 + 5 in January), 200; July is after as_of.
  AddItemMonth(jan, 5, 50, &items[1]);
  AddItemMonth(jan + 4, 10, 50, &items[1]);
  AddItemMonth(jan, 5, 50, &items[1]);
  AddItemMonth(jan + 2, 10, 50, &items[1]);
  AddItemMonth(jan + 6, 1000, 5000, &items[1]);
  ASSERT_EQ(items[1].size(), 4u);             // January once
  AddItemMonth(jan + 2, 40, 100, &items[2]);  // one month of six
  // items[3] never sold.
  ClassCutoffs cut;
  const std::vector<Classes> c =
      ClassifyItems(items, as_of, AbcShares(), kItemXyz, &cut);
  // Total 1000: 700 is A (0 before), 200 too (70% before it), 100 is B
  // (90% before it).
  EXPECT_EQ(cut.abc_a_min, 200);
  EXPECT_EQ(c[0].abc, "A");
  EXPECT_EQ(c[1].abc, "A");
  EXPECT_EQ(c[2].abc, "B");
  EXPECT_EQ(c[3].abc, "C");
  EXPECT_EQ(c[0].xyz, "X");  // CV 0
  // [10, 0, 10, 0, 10, 0]: half the months, CV 1.0: up to y_max.
  EXPECT_EQ(c[1].xyz, "Y");
  EXPECT_EQ(c[2].xyz, "Z");  // CV sqrt(3): the item started in March
  EXPECT_EQ(c[3].xyz, "Z");
}

}  // namespace
}  // namespace boomerang
