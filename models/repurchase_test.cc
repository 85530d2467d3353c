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

// A steady 30-day habit: seven gaps of exactly 30 days, so the interval is
// 30, the spread the shrunk prior's (about 0.28) and keep_buying 8/9.
RepurchaseEstimate SteadyMonthly() {
  auto e =
      EstimateRepurchase(Cycle(8, 30, 0.0, 5), ItemCycle{30, 50, 100, true});
  return e.value_or(RepurchaseEstimate{});
}

// P(a purchase in the week after `days` since the last one).
double WeekAfter(const RepurchaseEstimate& e, double days) {
  return ProbabilityWithin(
      e, e.last_purchase + static_cast<int64_t>(days * kDay), 7);
}

TEST(ProbabilityWithinTest, PeaksAroundTheDueDate) {
  const RepurchaseEstimate e = SteadyMonthly();
  ASSERT_NEAR(e.interval_days, 30, 1e-9);
  ASSERT_GT(e.log_spread, 0.2);
  ASSERT_LT(e.log_spread, 0.35);
  // The week with the highest chance starts within a week of the due date.
  int best_day = -1;
  double best = -1;
  for (int day = 0; day <= 180; ++day) {
    const double p = WeekAfter(e, day);
    EXPECT_GE(p, 0);
    EXPECT_LE(p, 1);
    if (p > best) best = p, best_day = day;
  }
  EXPECT_GE(best_day, 30 - 7);
  EXPECT_LE(best_day, 30 + 7);
  EXPECT_GT(best, 0.3);
  // Just after a purchase another one within a week is unlikely.
  EXPECT_LT(WeekAfter(e, 0), 0.01);
  EXPECT_LT(WeekAfter(e, 0), WeekAfter(e, 20));
  EXPECT_LT(WeekAfter(e, 20), WeekAfter(e, 28));
}

TEST(ProbabilityWithinTest, FadesForLongOverdueItems) {
  const RepurchaseEstimate e = SteadyMonthly();
  const double due = WeekAfter(e, 28);
  // Past the due date every silent week makes it likelier that the habit
  // has stopped: by twice the interval a reminder is mostly noise.
  EXPECT_GT(due, WeekAfter(e, 45));
  EXPECT_GT(WeekAfter(e, 45), WeekAfter(e, 60));
  EXPECT_GT(WeekAfter(e, 60), WeekAfter(e, 90));
  EXPECT_LT(WeekAfter(e, 60), due / 4);
  EXPECT_LT(WeekAfter(e, 120), 0.001);
  // A long horizon does not bring a dead habit back.
  EXPECT_LT(ProbabilityWithin(e, e.last_purchase + 150 * kDay, 365), 0.01);
}

TEST(ProbabilityWithinTest, KeepBuyingScalesTheChance) {
  RepurchaseEstimate sure = SteadyMonthly();
  RepurchaseEstimate doubtful = sure;
  doubtful.keep_buying = 0.5;
  sure.keep_buying = 0.99;
  for (double days : {0.0, 10.0, 25.0, 30.0, 40.0, 60.0}) {
    EXPECT_LT(WeekAfter(doubtful, days), WeekAfter(sure, days)) << days;
  }
  // Right after a purchase nothing is known beyond the prior: the chance is
  // keep_buying times the timing model's.
  const double at_last = ProbabilityWithin(sure, sure.last_purchase, 40);
  EXPECT_NEAR(ProbabilityWithin(doubtful, doubtful.last_purchase, 40),
              at_last * 0.5 / 0.99, 1e-9);
  doubtful.keep_buying = 0;
  EXPECT_EQ(WeekAfter(doubtful, 30), 0);
}

TEST(ProbabilityWithinTest, ZeroForAnEmptyHorizonOrNoInterval) {
  RepurchaseEstimate e = SteadyMonthly();
  const int64_t due = e.last_purchase + 30 * kDay;
  EXPECT_GT(ProbabilityWithin(e, due, 7), 0);
  EXPECT_EQ(ProbabilityWithin(e, due, 0), 0);
  EXPECT_EQ(ProbabilityWithin(e, due, -5), 0);
  // More horizon, more chance.
  EXPECT_LT(ProbabilityWithin(e, due, 1), ProbabilityWithin(e, due, 7));
  EXPECT_LT(ProbabilityWithin(e, due, 7), ProbabilityWithin(e, due, 30));
  e.interval_days = 0;
  EXPECT_EQ(ProbabilityWithin(e, due, 7), 0);
}

TEST(RepurchaseTest, LapsedNeedsBothALowChanceAndFourIntervals) {
  // A subscription: 20 purchases exactly a week apart. Its gap model is
  // narrow, so three weeks of silence already make "still buying" unlikely;
  // the four-interval floor keeps a short pause from reading as stopped.
  std::vector<int64_t> weekly;
  for (int k = 0; k < 20; ++k) weekly.push_back(1700000000 + k * 7 * 86400);
  ItemCycle cycle{7, 50, 100, true};
  auto e = EstimateRepurchase(weekly, cycle);
  ASSERT_TRUE(e.has_value());
  const int64_t last = weekly.back();
  EXPECT_LT(ProbabilityStillBuying(*e, last + 21 * 86400), 0.001);
  EXPECT_FALSE(Lapsed(*e, last + 21 * 86400));
  EXPECT_TRUE(Lapsed(*e, last + 29 * 86400));
  // Due again from 41% of the interval on, until it lapses.
  EXPECT_FALSE(DueAgain(*e, last + 2 * 86400));
  EXPECT_TRUE(DueAgain(*e, last + 3 * 86400));
  EXPECT_TRUE(DueAgain(*e, last + 21 * 86400));
  EXPECT_FALSE(DueAgain(*e, last + 60 * 86400));
}

}  // namespace
}  // namespace boomerang
