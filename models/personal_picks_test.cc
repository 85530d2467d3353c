#include "models/personal_picks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace boomerang {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kNow = 1700000000;

bool All(int32_t) { return true; }
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
      {1, 6, 6, kNow - 179 * kDay, kNow - 29 * kDay, 0, 30},
      {2, 4, 4, kNow - 93 * kDay, kNow - 3 * kDay, 0, 30},
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
      {1, 2, 2, kNow - 60 * kDay, kNow - 30 * kDay, 0, 30},
      {2, 8, 8, kNow - 240 * kDay, kNow - 30 * kDay, 0, 30}};
  auto ranked =
      RankPersonalPicks(habits, {}, kNow, PicksMode::kMixed, 2, All, NoSim);
  ASSERT_EQ(ranked.size(), 2u);
  EXPECT_EQ(ranked[0].item, 2);
}

TEST(PersonalPicksTest, ModesAndFilter) {
  std::vector<HistoryItem> history = {
      {1, 6, 6, kNow - 179 * kDay, kNow - 29 * kDay, 0, 30}};
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
      {1, 6, 6, kNow - 179 * kDay, kNow - 29 * kDay, 0, 30}};
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

}  // namespace
}  // namespace boomerang
