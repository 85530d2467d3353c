#include "models/eval/nbr_baselines.h"

#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace boomerang {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

MATCHER_P2(Near, item, value, "") {
  return arg.first == item && std::abs(arg.second - value) < 1e-9;
}

// ---------------------------------------------------------------- TIFU-KNN

// The residual rule of group_history_list: n < m -> one basket per group;
// otherwise floor(n / m) each and the newest n mod m groups one more.
TEST(TifuGroupSizesTest, ResidualRule) {
  // 10 / 7 = 1.43: base 1, round(0.43 x 7) = 3 groups of ceil(1.43) = 2,
  // after 4 groups of 1: baskets 0 | 1 | 2 | 3 | 4 5 | 6 7 | 8 9.
  EXPECT_EQ(TifuGroupSizes(10, 7), (std::vector<int>{1, 1, 1, 1, 2, 2, 2}));
  EXPECT_EQ(TifuGroupSizes(14, 7), (std::vector<int>(7, 2)));  // residual 0
  EXPECT_EQ(TifuGroupSizes(15, 7), (std::vector<int>{2, 2, 2, 2, 2, 2, 3}));
  EXPECT_EQ(TifuGroupSizes(7, 7), (std::vector<int>(7, 1)));
  EXPECT_EQ(TifuGroupSizes(3, 7), (std::vector<int>{1, 1, 1}));
  EXPECT_EQ(TifuGroupSizes(5, 3), (std::vector<int>{1, 2, 2}));
  EXPECT_EQ(TifuGroupSizes(5, 1), (std::vector<int>{5}));
  EXPECT_TRUE(TifuGroupSizes(0, 7).empty());
}

// History {1} {1, 2} {3}, m = 2 groups, r_b = r_g = 0.5. Groups (3 / 2:
// base 1, 1 extra): [b0] [b1 b2]. Basket weights from the newest:
// b0 0.25, b1 0.5, b2 1. Group 0 = {1: 0.25}; group 1 = mean of b1, b2 =
// {1: 0.25, 2: 0.25, 3: 0.5}. Group weights r_g^(m-1-g): 0.5, 1. Sum:
// {1: 0.125 + 0.25, 2: 0.25, 3: 0.5}, / 2 groups = {1: 0.1875, 2: 0.125,
// 3: 0.25}.
TEST(TifuVectorTest, HandComputedDecays) {
  TifuKnnOptions o;
  o.groups = 2;
  o.within_decay = 0.5;
  o.group_decay = 0.5;
  EXPECT_THAT(TifuVector({{1}, {1, 2}, {3}}, o),
              ElementsAre(Near(1, 0.1875), Near(2, 0.125), Near(3, 0.25)));
  // A basket listing an item twice sets it once.
  EXPECT_THAT(TifuVector({{1, 1}, {1, 2}, {3}}, o),
              ElementsAre(Near(1, 0.1875), Near(2, 0.125), Near(3, 0.25)));
  EXPECT_TRUE(TifuVector({}, o).empty());
}

// Ten baskets {0} ... {9} into 7 groups: items 0-3 are alone in their
// group, items 4-9 share one with a neighbour basket (mean: half). With no
// decay: 1/7 and 1/14. With r_b 0.9, r_g 0.7: item 0 (basket 0 of 10,
// group 0 of 7) 0.9^9 x 0.7^6 / 7; item 3 (group 3) 0.9^6 x 0.7^3 / 7;
// item 4 (basket 4, group 4 of 2) 0.9^5 x 0.7^2 / 2 / 7; item 9 1 / 2 / 7.
TEST(TifuVectorTest, TenBasketsIntoSevenGroups) {
  std::vector<Basket> history;
  for (int32_t i = 0; i < 10; ++i) history.push_back({i});
  TifuKnnOptions flat;
  flat.within_decay = 1;
  flat.group_decay = 1;
  const ItemScores v = TifuVector(history, flat);
  ASSERT_EQ(v.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_NEAR(v[i].second, i < 4 ? 1.0 / 7 : 1.0 / 14, 1e-12) << i;
  }
  const ItemScores d = TifuVector(history, TifuKnnOptions{});
  EXPECT_NEAR(d[0].second, std::pow(0.9, 9) * std::pow(0.7, 6) / 7, 1e-12);
  EXPECT_NEAR(d[3].second, std::pow(0.9, 6) * std::pow(0.7, 3) / 7, 1e-12);
  EXPECT_NEAR(d[4].second, std::pow(0.9, 5) * std::pow(0.7, 2) / 14, 1e-12);
  EXPECT_NEAR(d[5].second, std::pow(0.9, 4) * std::pow(0.7, 2) / 14, 1e-12);
  EXPECT_NEAR(d[9].second, 1.0 / 14, 1e-12);
}

// Fewer baskets than groups: each basket its own group, divided by the 2
// groups formed, but the group decay still counts from m = 3: basket {1}
// r_b 0.5 x r_g^(3-1-0) 0.25 / 2 = 0.0625; basket {2} 1 x r_g^1 0.5 / 2 =
// 0.25.
TEST(TifuVectorTest, FewerBasketsThanGroups) {
  TifuKnnOptions o;
  o.groups = 3;
  o.within_decay = 0.5;
  o.group_decay = 0.5;
  EXPECT_THAT(TifuVector({{1}, {2}}, o),
              ElementsAre(Near(1, 0.0625), Near(2, 0.25)));
}

// One group and no decay: a vector is the share of baskets with each item.
//   c0 {1} {1, 2}    -> {1: 1, 2: 0.5}   |c0|^2 = 1.25 (the query)
//   c1 {1} {1}       -> {1: 1}
//   c2 {2, 3} {3}    -> {2: 0.5, 3: 1}
//   c3 {4}           -> {4: 1}
// Squared distances from c0: c1 1.25 + 1 - 2 x 1 = 0.25; c2 1.25 + 1.25 -
// 2 x 0.25 = 2; c3 1.25 + 1 - 0 = 2.25.
std::vector<std::vector<Basket>> FourCustomers() {
  return {{{1}, {1, 2}}, {{1}, {1}}, {{2, 3}, {3}}, {{4}}};
}
TifuKnnOptions Flat(int k, double alpha) {
  TifuKnnOptions o;
  o.k = k;
  o.alpha = alpha;
  o.groups = 1;
  o.within_decay = 1;
  o.group_decay = 1;
  return o;
}

TEST(TifuKnnTest, NearestByEuclideanDistance) {
  const auto h = FourCustomers();
  EXPECT_THAT(TifuKnn(h, {1, 2, 3}, Flat(3, 0.7)).Neighbours(0),
              ElementsAre(1, 2, 3));
  EXPECT_THAT(TifuKnn(h, {3, 2, 1}, Flat(2, 0.7)).Neighbours(0),
              ElementsAre(1, 2));
  // The query is never its own neighbour, also when it is in the pool.
  EXPECT_THAT(TifuKnn(h, {0, 1, 2, 3}, Flat(2, 0.7)).Neighbours(0),
              ElementsAre(1, 2));
  // k larger than the pool: all of it.
  EXPECT_THAT(TifuKnn(h, {2}, Flat(300, 0.7)).Neighbours(0), ElementsAre(2));
}

// k = 2, alpha = 0.7: neighbours c1, c2, mean {1: 0.5, 2: 0.25, 3: 0.5};
// scores 1: 0.7 x 1 + 0.3 x 0.5 = 0.85; 2: 0.35 + 0.075 = 0.425;
// 3: 0.15. Item 4 (only c3) is not scored.
// k = 3: mean {1: 1/3, 2: 1/6, 3: 1/3, 4: 1/3}; 1: 0.8, 2: 0.4, 3 and 4:
// 0.1 each (the tie to the smaller id).
// alpha = 0.2, k = 2: 1: 0.2 + 0.4 = 0.6; 2: 0.1 + 0.2 = 0.3; 3: 0.4, so
// the neighbours' item 3 overtakes the customer's own item 2.
TEST(TifuKnnTest, MergesOwnVectorWithNeighbourMean) {
  const auto h = FourCustomers();
  const TifuKnn k2(h, {1, 2, 3}, Flat(2, 0.7));
  EXPECT_THAT(k2.Scores(0),
              ElementsAre(Near(1, 0.85), Near(2, 0.425), Near(3, 0.15)));
  EXPECT_THAT(k2.Recommend(0, 10), ElementsAre(1, 2, 3));
  EXPECT_THAT(k2.Recommend(0, 2), ElementsAre(1, 2));
  const TifuKnn k3(h, {1, 2, 3}, Flat(3, 0.7));
  EXPECT_THAT(k3.Scores(0), ElementsAre(Near(1, 0.8), Near(2, 0.4),
                                        Near(3, 0.1), Near(4, 0.1)));
  EXPECT_THAT(k3.Recommend(0, 10), ElementsAre(1, 2, 3, 4));
  const TifuKnn low_alpha(h, {1, 2, 3}, Flat(2, 0.2));
  EXPECT_THAT(low_alpha.Recommend(0, 10), ElementsAre(1, 3, 2));
  // An empty pool leaves the customer's own vector x alpha.
  EXPECT_THAT(TifuKnn(h, {}, Flat(2, 0.7)).Scores(0),
              ElementsAre(Near(1, 0.7), Near(2, 0.35)));
}

TEST(TifuKnnOptionsTest, ParsesAndPrints) {
  EXPECT_EQ(TifuKnnOptions{}.ToString(),
            "k=300,rb=0.9,rg=0.7,alpha=0.7,groups=7");
  auto o = ParseTifuKnnOptions(" k=100, rb=1,groups=3");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->k, 100);
  EXPECT_EQ(o->within_decay, 1);
  EXPECT_EQ(o->group_decay, 0.7);  // left out: the default
  EXPECT_EQ(o->groups, 3);
  auto back = ParseTifuKnnOptions(TifuKnnOptions{}.ToString());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->ToString(), TifuKnnOptions{}.ToString());
  for (const char* bad : {"k=0", "rb=0", "alpha=1.5", "groups=x", "q=1", "k"}) {
    EXPECT_FALSE(ParseTifuKnnOptions(bad).ok()) << bad;
  }
}

// ----------------------------------------------------------------- UP-CF@r

// The last min(r, n) baskets: {1} {1, 2} {2, 3} with r = 2 -> {1, 2} and
// {2, 3}: {1: 1/2, 2: 2/2, 3: 1/2}; r = 10 -> all three: {1: 2/3, 2: 2/3,
// 3: 1/3}.
TEST(RecentPopularityTest, LastRBaskets) {
  const std::vector<Basket> h = {{1}, {1, 2}, {2, 3}};
  EXPECT_THAT(RecentPopularity(h, 2),
              ElementsAre(Near(1, 0.5), Near(2, 1.0), Near(3, 0.5)));
  EXPECT_THAT(
      RecentPopularity(h, 10),
      ElementsAre(Near(1, 2.0 / 3), Near(2, 2.0 / 3), Near(3, 1.0 / 3)));
  EXPECT_THAT(RecentPopularity(h, 1), ElementsAre(Near(2, 1.0), Near(3, 1.0)));
  EXPECT_TRUE(RecentPopularity({}, 10).empty());
}

// dot 2, |u| 2, |v| 1: alpha 0.5 is the cosine, 2 / (2 x 1) = 1; alpha
// 0.75: 2 / (2^1.5 x 1^0.5) = 0.70711; swapping the norms (the other
// direction): 2 / (1 x 2^0.5) = 1.41421. A shrink of 1000 adds to the
// denominator: 2 / 1002. (similarity.py adds 1e-6 too: the 6th digit.)
TEST(AsymmetricCosineTest, HandComputed) {
  EXPECT_NEAR(AsymmetricCosine(2, 2, 1, 0.5, 0), 1, 1e-5);
  EXPECT_NEAR(AsymmetricCosine(2, 2, 1, 0.75, 0), 0.70711, 1e-5);
  EXPECT_NEAR(AsymmetricCosine(2, 1, 2, 0.75, 0), 1.41421, 1e-5);
  EXPECT_EQ(AsymmetricCosine(2, 2, 1, 0.75, 0), 2 / (std::pow(2, 1.5) + 1e-6));
  EXPECT_NEAR(AsymmetricCosine(2, 2, 1, 0.5, 1000), 2.0 / 1002, 1e-9);
  EXPECT_EQ(AsymmetricCosine(0, 0, 3, 0.75, 1000), 0);
}

// Basket counts (racf.py's user-item matrix):
//   c0 {1} {1, 2}           -> {1: 2, 2: 1}  |c0| = sqrt 5
//   c1 {1}                  -> {1: 1}        |c1| = 1
//   c2 {2, 3} {3} {3}       -> {2: 1, 3: 3}  |c2| = sqrt 10
//   c3 {4}                  -> no item shared with c0
// alpha 0.75, shrink 0: sim(c0, c1) = 2 / (5^0.75 x 1^0.25) = 2 / 3.343702
// = 0.598139; sim(c0, c2) = 1 / (5^0.75 x 10^0.25) = 1 / 5.946036 =
// 0.168179; the other way round sim(c1, c0) = 2 / (1 x 5^0.25) = 1.337480
// (asymmetric).
// r = 2: recent popularity c0 {1: 1, 2: 0.5}, c1 {1: 1}, c2 {3: 1}.
// q = 2: scores of c0 = own + sim^2 x theirs: sim(c0,c1)^2 = 4 / 5^1.5 =
// 0.357771, sim(c0,c2)^2 = 1 / (5^1.5 x 10^0.5) = 0.0282843:
// {1: 1.357771, 2: 0.5, 3: 0.0282843}; c3 is no neighbour (similarity 0).
// (The exact values below carry similarity.py's + 1e-6.)
const double kSim01 = 2 / (std::pow(5, 0.75) + 1e-6);
const double kSim02 = 1 / (std::pow(5, 0.75) * std::pow(10, 0.25) + 1e-6);
std::vector<std::vector<Basket>> UpCfCustomers() {
  return {{{1}, {1, 2}}, {{1}}, {{2, 3}, {3}, {3}}, {{4}}};
}
UpCfOptions Opts(int r, double alpha, int q, double shrink, int nn = 100) {
  UpCfOptions o;
  o.recency = r;
  o.asymmetry = alpha;
  o.locality = q;
  o.shrink = shrink;
  o.neighbours = nn;
  return o;
}

TEST(UpCfTest, AsymmetricSimilarityAndNeighbours) {
  const auto h = UpCfCustomers();
  const UpCf m(h, {0, 1, 2, 3}, Opts(2, 0.75, 2, 0));
  EXPECT_NEAR(m.Similarity(0, 1), kSim01, 1e-12);
  EXPECT_NEAR(m.Similarity(0, 1), 0.598139, 1e-6);
  EXPECT_NEAR(m.Similarity(0, 2), kSim02, 1e-12);
  EXPECT_NEAR(m.Similarity(0, 2), 0.168179, 1e-6);
  EXPECT_NEAR(m.Similarity(1, 0), 1.337480, 1e-6);
  EXPECT_EQ(m.Similarity(0, 3), 0);
  // Best first, the customer and zero similarities left out.
  EXPECT_THAT(m.Neighbours(0),
              ElementsAre(Pair(1, testing::DoubleNear(0.598139, 1e-6)),
                          Pair(2, testing::DoubleNear(0.168179, 1e-6))));
  EXPECT_THAT(UpCf(h, {0, 1, 2, 3}, Opts(2, 0.75, 2, 0, 1)).Neighbours(0),
              ElementsAre(Pair(1, testing::_)));
}

TEST(UpCfTest, OwnRecentPopularityPlusNeighbours) {
  const auto h = UpCfCustomers();
  const UpCf m(h, {1, 2, 3}, Opts(2, 0.75, 2, 0));
  EXPECT_THAT(m.Scores(0), ElementsAre(Near(1, 1 + kSim01 * kSim01),
                                       Near(2, 0.5), Near(3, kSim02 * kSim02)));
  EXPECT_NEAR(m.Scores(0)[0].second, 1.357771, 1e-6);
  EXPECT_NEAR(m.Scores(0)[2].second, 0.0282843, 1e-7);
  EXPECT_THAT(m.Recommend(0, 10), ElementsAre(1, 2, 3));
  // q = 1 gives the neighbours more weight: item 3 gets 0.168179.
  EXPECT_NEAR(UpCf(h, {1, 2, 3}, Opts(2, 0.75, 1, 0)).Scores(0)[2].second,
              0.168179, 1e-6);
  // r = 1: only c0's last basket {1, 2} counts for c0 (1 and 1), and c2's
  // {3}: item 2 now ties item 1 before the neighbours' share.
  EXPECT_THAT(UpCf(h, {1, 2, 3}, Opts(1, 0.75, 2, 0)).Scores(0),
              ElementsAre(Near(1, 1 + kSim01 * kSim01), Near(2, 1.0),
                          Near(3, kSim02 * kSim02)));
}

// The paper's defaults with racf.py's shrink of 1000: similarities near
// 0.002, their 10th power ~1e-27: the customer's own recent items first
// (in their order), the neighbours' item after them.
TEST(UpCfTest, DefaultsKeepOwnItemsFirst) {
  const auto h = UpCfCustomers();
  const UpCf m(h, {1, 2, 3}, UpCfOptions{});
  EXPECT_NEAR(m.Similarity(0, 1), 2 / (std::pow(5, 0.75) + 1000 + 1e-6), 1e-12);
  EXPECT_THAT(m.Recommend(0, 10), ElementsAre(1, 2, 3));
  const ItemScores s = m.Scores(0);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_GT(s[2].second, 0);
  EXPECT_LT(s[2].second, 1e-20);
}

TEST(UpCfOptionsTest, ParsesAndPrints) {
  EXPECT_EQ(UpCfOptions{}.ToString(), "r=10,alpha=0.75,q=10");
  auto o = ParseUpCfOptions("r=5,alpha=0.5,q=1,shrink=0");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->recency, 5);
  EXPECT_EQ(o->asymmetry, 0.5);
  EXPECT_EQ(o->locality, 1);
  EXPECT_EQ(o->shrink, 0);
  EXPECT_EQ(o->neighbours, 100);
  EXPECT_EQ(o->ToString(), "r=5,alpha=0.5,q=1,shrink=0");
  for (const char* bad : {"r=0", "alpha=-1", "q=1.5", "shrink=-1", "k=3"}) {
    EXPECT_FALSE(ParseUpCfOptions(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace boomerang
