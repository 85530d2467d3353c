#include "models/repurchase.h"

#include <gtest/gtest.h>

#include <random>

namespace boomerang {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kStart = 1700000000;

std::vector<int64_t> Cycle(int n, double days, double jitter, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-jitter, jitter);
  std::vector<int64_t> t;
  double at = 0;
  for (int i = 0; i < n; ++i) {
    t.push_back(kStart + static_cast<int64_t>(at * kDay));
    at += days * (1 + u(rng));
  }
  return t;
}

TEST(RepurchaseTest, RecoversANoisyCycle) {
  ItemCycle population{30, 50, 100, true};
  auto t = Cycle(8, 30, 0.15, 1);
  auto e = EstimateRepurchase(t, population);
  ASSERT_TRUE(e.has_value());
  EXPECT_NEAR(e->interval_days, 30, 3);
  EXPECT_EQ(e->gaps, 7);
  EXPECT_GT(e->confidence, 0.5);
  EXPECT_EQ(e->next_purchase,
            t.back() + static_cast<int64_t>(e->interval_days * kDay));
}

TEST(RepurchaseTest, ShortHistoriesShrinkTowardThePopulation) {
  ItemCycle population{60, 50, 100, true};
  // One gap of 20 days: pulled most of the way toward 60.
  std::vector<int64_t> two = {kStart, kStart + 20 * kDay};
  auto e = EstimateRepurchase(two, population);
  ASSERT_TRUE(e.has_value());
  EXPECT_GT(e->interval_days, 30);
  EXPECT_LT(e->interval_days, 60);
  // Ten gaps of 20 days: the customer's own habit wins.
  auto many = EstimateRepurchase(Cycle(11, 20, 0.0, 2), population);
  ASSERT_TRUE(many.has_value());
  EXPECT_NEAR(many->interval_days, 20 * std::pow(60.0 / 20, 2.0 / 12), 0.5);
  EXPECT_GT(many->confidence, e->confidence);
}

TEST(RepurchaseTest, OutliersAndSameDayRepeatsDoNotDerail) {
  ItemCycle population{};  // no population information
  auto t = Cycle(7, 30, 0.05, 3);
  t.push_back(t.back() + 2 * 3600);    // a split order the same day
  t.push_back(t.back() + 200 * kDay);  // one long absence
  auto e = EstimateRepurchase(t, population);
  ASSERT_TRUE(e.has_value());
  EXPECT_NEAR(e->interval_days, 30, 3);  // the median ignores the outlier
}

TEST(RepurchaseTest, BoughtOnceInheritsOnlyHabitualItems) {
  std::vector<int64_t> once = {kStart};
  EXPECT_FALSE(
      EstimateRepurchase(once, ItemCycle{45, 2, 100, false}).has_value());
  auto e = EstimateRepurchase(once, ItemCycle{45, 40, 100, true});
  ASSERT_TRUE(e.has_value());
  EXPECT_DOUBLE_EQ(e->interval_days, 45);
  EXPECT_LT(e->confidence, 0.3);
  EXPECT_FALSE(
      EstimateRepurchase({}, ItemCycle{45, 40, 100, true}).has_value());
}

TEST(RepurchaseTest, PopulationCycleAndHabit) {
  std::vector<std::vector<int64_t>> buyers;
  for (int b = 0; b < 10; ++b) buyers.push_back(Cycle(5, 14 + b % 3, 0.1, b));
  for (int b = 0; b < 20; ++b) buyers.push_back({kStart + b * kDay});
  ItemCycle c = EstimateItemCycle(buyers);
  EXPECT_EQ(c.buyers, 30);
  EXPECT_EQ(c.repeat_buyers, 10);
  EXPECT_NEAR(c.interval_days, 15, 2);
  EXPECT_TRUE(c.habitual);  // a third of the buyers re-buy
  std::vector<std::vector<int64_t>> rare = {
      {kStart, kStart + 100 * kDay}, {kStart}, {kStart}, {kStart}};
  EXPECT_FALSE(EstimateItemCycle(rare).habitual);
}

TEST(RepurchaseTest, AsOfMovesTheDueDate) {
  ItemCycle population{30, 50, 100, true};
  auto e = EstimateRepurchase(Cycle(6, 30, 0.0, 4), population);
  ASSERT_TRUE(e.has_value());
  const int64_t last = kStart + 5 * 30 * kDay;
  EXPECT_NEAR(DaysUntilDue(*e, last), e->interval_days, 1e-6);
  EXPECT_NEAR(DaysUntilDue(*e, last + 24 * kDay), e->interval_days - 24, 1e-6);
  EXPECT_LT(DaysUntilDue(*e, last + 40 * kDay), 0);  // overdue
}

}  // namespace
}  // namespace boomerang
