#include "models/cooccurrence.h"

#include <gtest/gtest.h>

#include <random>

namespace boomerang {
namespace {

// Items: 0 anchor, 1 its complement (in 80% of 0's orders, rare otherwise),
// 2 a best seller in 90% of all orders, 3..19 noise.
OrderItems PlantedShop(int num_orders, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  OrderItems orders;
  for (int o = 0; o < num_orders; ++o) {
    std::vector<int32_t> items;
    bool anchor = u(rng) < 0.1;
    if (anchor) items.push_back(0);
    if ((anchor && u(rng) < 0.8) || u(rng) < 0.02) items.push_back(1);
    if (u(rng) < 0.9) items.push_back(2);
    for (int k = 0; k < 3; ++k)
      items.push_back(3 + static_cast<int>(u(rng) * 17));
    orders.Add(items);
  }
  return orders;
}

int RankOf(const std::vector<Neighbor>& list, int32_t item) {
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i].item == item) return static_cast<int>(i);
  }
  return -1;
}

TEST(CooccurrenceTest, AssociationBeatsPopularity) {
  OrderItems orders = PlantedShop(5000, 1);
  CooccurrenceOptions opts;
  opts.scoring = Scoring::kLlr;
  CooccurrenceResult llr = ComputeCooccurrence(orders, 20, opts);
  EXPECT_EQ(RankOf(llr.neighbors[0], 1), 0);
  // The best seller is bought with the anchor no more than by chance: LLR
  // keeps only positive association, so it is not ranked above position 1.
  EXPECT_NE(RankOf(llr.neighbors[0], 2), 0);

  // Raw counts echo popularity: the best seller comes first.
  opts.scoring = Scoring::kCount;
  CooccurrenceResult count = ComputeCooccurrence(orders, 20, opts);
  EXPECT_EQ(RankOf(count.neighbors[0], 2), 0);
}

TEST(CooccurrenceTest, EvidenceCountsAreExact) {
  OrderItems orders;
  orders.Add({5, 1, 1});  // duplicates collapse
  orders.Add({1, 5});
  orders.Add({1, 7});
  orders.Add({7});
  CooccurrenceOptions opts;
  opts.min_support = 1;
  opts.scoring = Scoring::kCount;
  CooccurrenceResult r = ComputeCooccurrence(orders, 8, opts);
  EXPECT_EQ(r.item_orders[1], 3);
  EXPECT_EQ(r.item_orders[5], 2);
  ASSERT_EQ(r.neighbors[5].size(), 1u);
  EXPECT_EQ(r.neighbors[5][0].item, 1);
  EXPECT_EQ(r.neighbors[5][0].co_orders, 2);
  // lift = co / (n_a * n_b / N) = 2 / (2 * 3 / 4)
  EXPECT_NEAR(r.neighbors[5][0].lift, 2.0 / (6.0 / 4.0), 1e-6);
}

TEST(CooccurrenceTest, MinSupportTopKAndHugeOrders) {
  OrderItems orders;
  for (int i = 0; i < 3; ++i) orders.Add({0, 1});
  orders.Add({0, 2});  // support 1 only
  std::vector<int32_t> huge;
  for (int i = 0; i < 50; ++i) huge.push_back(i);
  orders.Add(huge);  // a wholesale restock
  CooccurrenceOptions opts;
  opts.min_support = 2;
  opts.max_order_items = 10;
  opts.top_k = 1;
  opts.scoring = Scoring::kCount;
  CooccurrenceResult r = ComputeCooccurrence(orders, 50, opts);
  EXPECT_EQ(r.huge_orders_skipped, 1);
  EXPECT_EQ(r.orders_counted, 4);
  ASSERT_EQ(r.neighbors[0].size(), 1u);
  EXPECT_EQ(r.neighbors[0][0].item, 1);
  EXPECT_EQ(r.neighbors[0][0].co_orders, 3);  // the huge order did not count
  EXPECT_TRUE(r.neighbors[3].empty());
}

TEST(CooccurrenceTest, SameResultWithAnyThreadCount) {
  OrderItems orders = PlantedShop(3000, 7);
  CooccurrenceOptions one, four;
  one.threads = 1;
  four.threads = 4;
  CooccurrenceResult a = ComputeCooccurrence(orders, 20, one);
  CooccurrenceResult b = ComputeCooccurrence(orders, 20, four);
  ASSERT_EQ(a.pairs_kept, b.pairs_kept);
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(a.neighbors[i].size(), b.neighbors[i].size());
    for (size_t k = 0; k < a.neighbors[i].size(); ++k) {
      EXPECT_EQ(a.neighbors[i][k].item, b.neighbors[i][k].item);
      EXPECT_EQ(a.neighbors[i][k].score, b.neighbors[i][k].score);
    }
  }
}

TEST(CooccurrenceTest, PairScores) {
  // Independent items have no positive LLR association.
  EXPECT_EQ(PairScore(Scoring::kLlr, 10, 100, 100, 1000), 0);
  EXPECT_GT(PairScore(Scoring::kLlr, 50, 100, 100, 1000), 0);
  // Stronger evidence, higher LLR.
  EXPECT_GT(PairScore(Scoring::kLlr, 80, 100, 100, 1000),
            PairScore(Scoring::kLlr, 50, 100, 100, 1000));
  EXPECT_NEAR(PairScore(Scoring::kCosine, 50, 100, 25, 1000), 1.0, 1e-9);
  EXPECT_EQ(ParseScoring("lift").value(), Scoring::kLift);
  EXPECT_FALSE(ParseScoring("magic").ok());
}

}  // namespace
}  // namespace boomerang
