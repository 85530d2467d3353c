#include "models/eval/next_basket.h"

#include <algorithm>
#include <cmath>

#include "gtest/gtest.h"

namespace boomerang {
namespace {

// Hand-computed: truth {1, 2, 3}, history {1, 4}, ranked [1, 5, 3, 4]
// at k = 3: hits 1 (rank 1) and 3 (rank 3) -> recall 2/3; DCG = 1/log2(2)
// + 1/log2(4) = 1.5, IDCG over the 3 truth items = 1 + 1/log2(3) + 1/2 =
// 2.13093 -> NDCG 0.70392; PHR 1; repeat ratio: item 1 of the first 3 was
// bought before -> 1/3; truth's repeat items {1}: recall 1; new items
// {2, 3}: recall 1/2.
TEST(NextBasketMetricsTest, MatchesAHandComputedCase) {
  NextBasketMetrics m(3);
  m.Add({1, 5, 3, 4}, {1, 2, 3}, {1, 4});
  EXPECT_EQ(m.customers(), 1);
  EXPECT_NEAR(m.recall(), 2.0 / 3, 1e-12);
  EXPECT_NEAR(m.ndcg(), 1.5 / (1 + 1 / std::log2(3.0) + 0.5), 1e-12);
  EXPECT_NEAR(m.ndcg(), 0.70392, 1e-5);
  EXPECT_EQ(m.phr(), 1);
  EXPECT_NEAR(m.repeat_ratio(), 1.0 / 3, 1e-12);
  EXPECT_EQ(m.recall_repeat(), 1);
  EXPECT_NEAR(m.recall_explore(), 0.5, 1e-12);
}

// Averages over customers; repeat and explore recall only over customers
// whose truth has such items.
TEST(NextBasketMetricsTest, AveragesOverCustomers) {
  NextBasketMetrics m(2);
  m.Add({7, 8}, {7}, {7});  // all repeat, hit
  m.Add({1, 2}, {9}, {1});  // all new, miss; repeat ratio 1/2
  EXPECT_EQ(m.customers(), 2);
  EXPECT_NEAR(m.recall(), 0.5, 1e-12);
  EXPECT_NEAR(m.phr(), 0.5, 1e-12);
  EXPECT_NEAR(m.repeat_ratio(), (0.5 + 0.5) / 2, 1e-12);
  EXPECT_EQ(m.recall_repeat(), 1);   // one customer with repeat truth
  EXPECT_EQ(m.recall_explore(), 0);  // one customer with new truth
}

TEST(NextBasketMetricsTest, FewerThanKPredictionsAndEmptyTruth) {
  NextBasketMetrics m(10);
  m.Add({3}, {3, 4}, {});
  m.Add({1}, {}, {1});  // no truth: not counted
  EXPECT_EQ(m.customers(), 1);
  EXPECT_NEAR(m.recall(), 0.5, 1e-12);
  EXPECT_EQ(m.repeat_ratio(), 0);
}

// P-TopFreq counts baskets (an item twice in one basket counts once),
// ties go to the most recent; GP-TopFreq fills with global best sellers.
TEST(TopFreqTest, PersonalThenGlobal) {
  const std::vector<Basket> baskets = {{1, 2, 2}, {2, 3}, {1, 4}};
  // 1: 2 baskets (last 2), 2: 2 baskets (last 1), 3: 1 (last 1), 4: 1
  // (last 2).
  EXPECT_EQ(PersonalTopFreq(baskets, 10), (std::vector<int32_t>{1, 2, 4, 3}));
  EXPECT_EQ(PersonalTopFreq(baskets, 2), (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(GlobalPersonalTopFreq(baskets, {9, 2, 8}, 6),
            (std::vector<int32_t>{1, 2, 4, 3, 9, 8}));
  EXPECT_EQ(GlobalPersonalTopFreq({}, {9, 8}, 1), (std::vector<int32_t>{9}));
}

// The authors' proportions (72% / 8% / 20%), disjoint and complete;
// the same seed gives the same split, another seed another.
TEST(SplitCustomersTest, SeededProportions) {
  const CustomerSplit a = SplitCustomers(1000, 1000);
  EXPECT_EQ(a.train.size(), 720u);
  EXPECT_EQ(a.validation.size(), 80u);
  EXPECT_EQ(a.test.size(), 200u);
  std::vector<int32_t> all = a.train;
  all.insert(all.end(), a.validation.begin(), a.validation.end());
  all.insert(all.end(), a.test.begin(), a.test.end());
  std::sort(all.begin(), all.end());
  for (int32_t i = 0; i < 1000; ++i) ASSERT_EQ(all[i], i);
  EXPECT_EQ(SplitCustomers(1000, 1000).test, a.test);
  EXPECT_NE(SplitCustomers(1000, 1001).test, a.test);
  EXPECT_TRUE(SplitCustomers(0, 1).test.empty());
}

}  // namespace
}  // namespace boomerang
