#include "models/rank/picks_ranker.h"

#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <random>

#include "absl/strings/str_format.h"
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

// A ranker trained on MakeRows(n, seed) with `trees` trees, one thread.
std::unique_ptr<const PicksRanker> TrainedRanker(int n, uint64_t seed,
                                                 int trees) {
  std::vector<PicksRow> rows;
  std::vector<float> labels;
  MakeRows(n, seed, &rows, &labels);
  PicksTrainingOptions o;
  o.trees = trees;
  o.threads = 1;
  auto model = TrainPicksRanker(rows, labels, {}, o);
  EXPECT_TRUE(model.ok()) << model.status();
  if (!model.ok()) return nullptr;
  auto ranker = PicksRanker::FromBuffer(*model);
  EXPECT_TRUE(ranker.ok()) << ranker.status();
  return ranker.ok() ? *std::move(ranker) : nullptr;
}

TEST(PicksRankerTest, LearnsTheSignalAndScoresInOrder) {
  auto ranker = TrainedRanker(4000, 1, 30);
  ASSERT_NE(ranker, nullptr);
  PicksRow weak, strong;
  weak.f.fill(0.5f);
  strong.f.fill(0.5f);
  weak.f[kFeatOrderShare] = 0.05f;
  strong.f[kFeatOrderShare] = 0.95f;
  std::vector<float> scores;
  ASSERT_TRUE(ranker->Score({weak, strong}, &scores).ok());
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

// XGBoost's own prediction of `rows` with the first `trees` trees (0: all).
std::vector<float> XgboostScores(const std::string& model,
                                 const std::vector<PicksRow>& rows, int trees) {
  BoosterHandle b = nullptr;
  EXPECT_EQ(XGBoosterCreate(nullptr, 0, &b), 0);
  EXPECT_EQ(XGBoosterLoadModelFromBuffer(b, model.data(), model.size()), 0);
  std::vector<float> m;
  for (const PicksRow& r : rows) m.insert(m.end(), r.f.begin(), r.f.end());
  const std::string array = absl::StrFormat(
      "{\"data\": [%d, true], \"shape\": [%d, %d], \"typestr\": \"<f4\", "
      "\"version\": 3}",
      reinterpret_cast<uintptr_t>(m.data()), rows.size(), kNumPicksFeatures);
  const std::string config = absl::StrFormat(
      "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
      "\"iteration_end\": %d, \"strict_shape\": false, \"cache_id\": 0, "
      "\"missing\": NaN}",
      trees);
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  EXPECT_EQ(XGBoosterPredictFromDense(b, array.c_str(), config.c_str(), nullptr,
                                      &shape, &dim, &result),
            0);
  std::vector<float> out(result, result + rows.size());
  XGBoosterFree(b);
  return out;
}

// The server walks the trees itself: its probabilities are XGBoost's, with
// missing values, on every row and for a prefix of the trees.
TEST(PicksRankerTest, ScoresAreXgboostsPredictions) {
  std::vector<PicksRow> rows;
  std::vector<float> labels;
  MakeRows(3000, 4, &rows, &labels);
  std::mt19937_64 rng(9);
  for (PicksRow& r : rows) {  // missing values in several features
    for (int f : {kFeatDaysSinceLast, kFeatOrderShare, kFeatTrend}) {
      if (rng() % 4 == 0) r.f[f] = std::nanf("");
    }
  }
  PicksTrainingOptions o;
  o.trees = 25;
  o.threads = 1;
  auto model = TrainPicksRanker(rows, labels, {}, o);
  ASSERT_TRUE(model.ok()) << model.status();
  auto ranker = PicksRanker::FromBuffer(*model);
  ASSERT_TRUE(ranker.ok()) << ranker.status();
  EXPECT_EQ((*ranker)->trees(), 25);
  for (int trees : {0, 7}) {
    const std::vector<float> want = XgboostScores(*model, rows, trees);
    std::vector<float> got;
    ASSERT_TRUE((*ranker)->Score(rows, &got, trees).ok());
    ASSERT_EQ(got.size(), want.size());
    int differ = 0;
    for (size_t k = 0; k < got.size(); ++k) {
      EXPECT_NEAR(got[k], want[k], 1e-6) << "row " << k;
      differ += got[k] != want[k];
    }
    EXPECT_LT(differ, 30) << "more than float rounding";
  }
}

// Two passes: the first trees choose which rows all trees score; the list
// holds the best of those by the full model, with its probabilities, and
// never fewer items than asked for.
TEST(PicksRankerTest, TwoPassScoringRanksByTheFullModel) {
  auto ranker = TrainedRanker(3000, 5, 20);
  ASSERT_NE(ranker, nullptr);
  std::vector<PicksRow> candidates;
  std::vector<float> unused;
  MakeRows(100, 5, &candidates, &unused);  // the first 100 training rows
  std::vector<float> full;
  ASSERT_TRUE(ranker->Score(candidates, &full).ok());
  auto cosine = [](int32_t, int32_t) { return 0.f; };
  for (const PicksScoringOptions scoring :
       {PicksScoringOptions{0, 0}, PicksScoringOptions{3, 25},
        PicksScoringOptions{3, 4}}) {
    auto picks = RankLearnedPicks(*ranker, candidates, {}, 0, PicksMode::kMixed,
                                  10, cosine, scoring);
    ASSERT_TRUE(picks.ok()) << picks.status();
    ASSERT_EQ(picks->size(), 10u) << "keep " << scoring.keep;
    for (size_t k = 0; k < picks->size(); ++k) {
      const Pick& p = (*picks)[k];
      EXPECT_FLOAT_EQ(p.score, full[p.item]) << "item " << p.item;
      if (k > 0) EXPECT_GE((*picks)[k - 1].score, p.score);
    }
    if (scoring.prefix_trees == 0) {  // one pass: the full model's top 10
      std::vector<float> sorted = full;
      std::sort(sorted.begin(), sorted.end(), std::greater<float>());
      EXPECT_FLOAT_EQ((*picks)[0].score, sorted[0]);
      EXPECT_FLOAT_EQ((*picks)[9].score, sorted[9]);
    }
  }
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
  auto ranker = TrainedRanker(2000, 3, 10);
  ASSERT_NE(ranker, nullptr);
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
  auto picks = RankLearnedPicks(*ranker, {repeat, with, popular}, history,
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
      RankLearnedPicks(*ranker, {repeat, with, popular}, history, 86400 * 10,
                       PicksMode::kRepeatOnly, 10, cosine);
  ASSERT_TRUE(repeats.ok());
  ASSERT_EQ(repeats->size(), 1u);
  EXPECT_EQ((*repeats)[0].item, 7);
  auto fresh = RankLearnedPicks(*ranker, {repeat, with, popular}, history,
                                86400 * 10, PicksMode::kNewOnly, 1, cosine);
  ASSERT_TRUE(fresh.ok());
  ASSERT_EQ(fresh->size(), 1u);
  EXPECT_NE((*fresh)[0].item, 7);
}

}  // namespace
}  // namespace boomerang
