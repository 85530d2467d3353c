#include "models/rank/picks_ranker.h"

#include <cmath>
#include <random>

#include "gtest/gtest.h"

namespace boomerang {
namespace {

// Rows where the label follows one feature: the customer's share of orders
// with the item (a habit), plus noise features.
void MakeRows(int n, uint64_t seed, std::vector<PicksRow>* rows,
              std::vector<float>* labels) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0, 1);
  for (int k = 0; k < n; ++k) {
    PicksRow r;
    r.item = k;
    for (float& x : r.f) x = u(rng);
    r.f[kFeatAlsScore] = std::nanf("");  // missing values are allowed
    labels->push_back(u(rng) < r.f[kFeatOrderShare] * 0.8f ? 1.f : 0.f);
    rows->push_back(r);
  }
}

TEST(PicksRankerTest, LearnsTheSignalAndScoresInOrder) {
  std::vector<PicksRow> rows;
  std::vector<float> labels;
  MakeRows(4000, 1, &rows, &labels);
  PicksTrainingOptions o;
  o.trees = 30;
  o.threads = 1;
  auto model = TrainPicksRanker(rows, labels, {}, o);
  ASSERT_TRUE(model.ok()) << model.status();
  auto ranker = PicksRanker::FromBuffer(*model);
  ASSERT_TRUE(ranker.ok()) << ranker.status();
  PicksRow weak, strong;
  weak.f.fill(0.5f);
  strong.f.fill(0.5f);
  weak.f[kFeatOrderShare] = 0.05f;
  strong.f[kFeatOrderShare] = 0.95f;
  std::vector<float> scores;
  ASSERT_TRUE((*ranker)->Score({weak, strong}, &scores).ok());
  ASSERT_EQ(scores.size(), 2u);
  EXPECT_LT(scores[0], 0.2f);
  EXPECT_GT(scores[1], 0.55f);
  EXPECT_GE(scores[0], 0.f);
  EXPECT_LE(scores[1], 1.f);
}

TEST(PicksRankerTest, SameSeedSameModel) {
  std::vector<PicksRow> rows;
  std::vector<float> labels;
  MakeRows(2000, 2, &rows, &labels);
  PicksTrainingOptions o;
  o.trees = 5;
  o.threads = 2;
  auto a = TrainPicksRanker(rows, labels, {}, o);
  auto b = TrainPicksRanker(rows, labels, {}, o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(PicksRankerTest, BadModelsAndInputsAreErrors) {
  EXPECT_EQ(PicksRanker::FromBuffer("not a model").status().code(),
            absl::StatusCode::kDataLoss);
  std::vector<PicksRow> rows(3);
  std::vector<float> labels(2);
  EXPECT_EQ(TrainPicksRanker(rows, labels, {}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PicksRankerTest, LearnedPicksNameTheirReasonAndHonourTheMode) {
  std::vector<PicksRow> rows;
  std::vector<float> labels;
  MakeRows(2000, 3, &rows, &labels);
  PicksTrainingOptions o;
  o.trees = 10;
  o.threads = 1;
  auto model = TrainPicksRanker(rows, labels, {}, o);
  ASSERT_TRUE(model.ok());
  auto ranker = PicksRanker::FromBuffer(*model);
  ASSERT_TRUE(ranker.ok());
  std::vector<HistoryItem> history(1);
  history[0].item = 7;
  history[0].orders = 3;
  history[0].last = 0;
  PicksRow repeat, with, popular;
  repeat.item = 7;
  repeat.history_index = 0;
  repeat.sources = kSourceHistory;
  with.item = 8;
  with.cooc_anchor = 7;
  with.sources = kSourceCooc;
  popular.item = 9;
  popular.sources = kSourcePopular;
  repeat.f.fill(0.9f);
  with.f.fill(0.5f);
  popular.f.fill(0.1f);
  auto cosine = [](int32_t, int32_t) { return 0.f; };
  auto picks = RankLearnedPicks(**ranker, {repeat, with, popular}, history,
                                86400 * 10, PicksMode::kMixed, 10, cosine);
  ASSERT_TRUE(picks.ok()) << picks.status();
  ASSERT_EQ(picks->size(), 3u);
  for (const Pick& p : *picks) {
    if (p.item == 7) EXPECT_EQ(p.kind, Pick::kBuyAgain);
    if (p.item == 8) {
      EXPECT_EQ(p.kind, Pick::kBoughtWith);
      EXPECT_EQ(p.anchor, 7);
    }
    if (p.item == 9) EXPECT_EQ(p.kind, Pick::kPopular);
  }
  EXPECT_GE((*picks)[0].score, (*picks)[1].score);
  auto repeats =
      RankLearnedPicks(**ranker, {repeat, with, popular}, history, 86400 * 10,
                       PicksMode::kRepeatOnly, 10, cosine);
  ASSERT_TRUE(repeats.ok());
  ASSERT_EQ(repeats->size(), 1u);
  EXPECT_EQ((*repeats)[0].item, 7);
  auto fresh = RankLearnedPicks(**ranker, {repeat, with, popular}, history,
                                86400 * 10, PicksMode::kNewOnly, 1, cosine);
  ASSERT_TRUE(fresh.ok());
  ASSERT_EQ(fresh->size(), 1u);
  EXPECT_NE((*fresh)[0].item, 7);
}

}  // namespace
}  // namespace boomerang
