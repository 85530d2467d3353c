#include "models/personal_picks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace boomerang {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kNow = 1700000000;

bool All(int32_t) { return true; }

// A habit of `orders` purchases every `interval` days up to `last`, as the
// repurchase model would estimate it (steady: narrow gaps).
HistoryItem Habit(int32_t item, int32_t orders, int64_t first, int64_t last,
                  double interval) {
  HistoryItem h{item, orders, static_cast<double>(orders), first, last};
  RepurchaseEstimate e;
  e.interval_days = interval;
  e.gaps = orders - 1;
  e.last_purchase = last;
  e.next_purchase = last + static_cast<int64_t>(interval * kDay);
  e.log_spread = 0.3;
  e.keep_buying = (e.gaps + 1.0) / (e.gaps + 2.0);
  e.confidence = 0.5;
  h.repurchase = e;
  return h;
}
float NoSim(int32_t, int32_t) { return 0; }

TEST(PersonalPicksTest, DueScorePeaksAtTheInterval) {
  EXPECT_NEAR(DueScore(30, 30), 1.0, 1e-9);
  EXPECT_LT(DueScore(10, 30), DueScore(24, 30));
  EXPECT_LT(DueScore(24, 30), DueScore(30, 30));
  EXPECT_GE(DueScore(300, 30), 0.3);  // overdue never vanishes
  EXPECT_LT(DueScore(60, 30), DueScore(30, 30));
}

TEST(PersonalPicksTest, HabitsComeFirstAndNewItemsFill) {
  // Coffee every 30 days, last bought 29 days ago: due. Tea every 30 days,
  // bought 3 days ago: a habit, not due yet. A mug bought once.
  std::vector<HistoryItem> history = {
      Habit(1, 6, kNow - 179 * kDay, kNow - 29 * kDay, 30),
      Habit(2, 4, kNow - 93 * kDay, kNow - 3 * kDay, 30),
      {3, 1, 1, kNow - 50 * kDay, kNow - 50 * kDay}};
  std::vector<PicksCandidate> candidates = {{3, 2.0f}, {7, 1.0f}, {8, 0.5f}};
  auto picks = RankPersonalPicks(history, candidates, kNow, PicksMode::kMixed,
                                 5, All, NoSim);
  ASSERT_EQ(picks.size(), 5u);
  EXPECT_EQ(picks[0].item, 1);
  EXPECT_EQ(picks[0].kind, Pick::kBuyAgain);
  EXPECT_NEAR(picks[0].interval_days, 30, 1e-9);
  EXPECT_NEAR(picks[0].days_since, 29, 1e-9);
  EXPECT_EQ(picks[1].item, 2);
  EXPECT_EQ(picks[2].item, 3);  // bought once: a repeat, never a "new" pick
  EXPECT_EQ(picks[2].kind, Pick::kBuyAgain);
  EXPECT_EQ(picks[3].item, 7);
  EXPECT_EQ(picks[3].kind, Pick::kNew);
  EXPECT_EQ(picks[4].item, 8);
  // More orders, stronger habit.
  std::vector<HistoryItem> habits = {
      Habit(1, 2, kNow - 60 * kDay, kNow - 30 * kDay, 30),
      Habit(2, 8, kNow - 240 * kDay, kNow - 30 * kDay, 30)};
  auto ranked =
      RankPersonalPicks(habits, {}, kNow, PicksMode::kMixed, 2, All, NoSim);
  ASSERT_EQ(ranked.size(), 2u);
  EXPECT_EQ(ranked[0].item, 2);
}

TEST(PersonalPicksTest, ModesAndFilter) {
  std::vector<HistoryItem> history = {
      Habit(1, 6, kNow - 179 * kDay, kNow - 29 * kDay, 30)};
  std::vector<PicksCandidate> candidates = {{7, 1.0f}, {8, 0.5f}};
  auto only_new = RankPersonalPicks(history, candidates, kNow,
                                    PicksMode::kNewOnly, 10, All, NoSim);
  ASSERT_EQ(only_new.size(), 2u);
  EXPECT_EQ(only_new[0].item, 7);
  auto only_repeat = RankPersonalPicks(history, candidates, kNow,
                                       PicksMode::kRepeatOnly, 10, All, NoSim);
  ASSERT_EQ(only_repeat.size(), 1u);
  EXPECT_EQ(only_repeat[0].item, 1);
  auto filtered = RankPersonalPicks(
      history, candidates, kNow, PicksMode::kMixed, 10,
      [](int32_t i) { return i != 7; }, NoSim);
  ASSERT_EQ(filtered.size(), 2u);
  EXPECT_EQ(filtered[1].item, 8);
}

TEST(PersonalPicksTest, AsOfBeforeTheLastPurchaseIgnoresTheFuture) {
  std::vector<HistoryItem> history = {
      Habit(1, 6, kNow - 179 * kDay, kNow - 29 * kDay, 30)};
  auto picks = RankPersonalPicks(history, {}, kNow - 60 * kDay,
                                 PicksMode::kMixed, 5, All, NoSim);
  EXPECT_TRUE(picks.empty());
}

TEST(PersonalPicksTest, NewPicksNameTheirAnchor) {
  std::vector<HistoryItem> history = {{1, 1, 1, kNow, kNow},
                                      {2, 1, 1, kNow, kNow}};
  std::vector<PicksCandidate> candidates = {{9, 1.0f}};
  auto picks = RankPersonalPicks(
      history, candidates, kNow, PicksMode::kNewOnly, 5, All,
      [](int32_t a, int32_t b) { return a == 9 && b == 2 ? 0.9f : 0.1f; });
  ASSERT_EQ(picks.size(), 1u);
  EXPECT_EQ(picks[0].anchor, 2);
}

TEST(PersonalPicksTest, AHabitThatStoppedIsNoPick) {
  // Every 8 days for ten orders, then silent for 200 days: BuyAgain calls it
  // lapsed, and Picks does not remind of it either.
  std::vector<HistoryItem> history = {
      Habit(1, 10, kNow - 272 * kDay, kNow - 200 * kDay, 8),
      Habit(2, 4, kNow - 93 * kDay, kNow - 3 * kDay, 30)};
  auto picks =
      RankPersonalPicks(history, {}, kNow, PicksMode::kMixed, 5, All, NoSim);
  ASSERT_EQ(picks.size(), 1u);
  EXPECT_EQ(picks[0].item, 2);
  EXPECT_TRUE(picks[0].own_cycle);
}

}  // namespace
}  // namespace boomerang
