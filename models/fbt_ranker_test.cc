#include "models/fbt_ranker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace boomerang {
namespace {

using ::testing::HasSubstr;

v1::FbtList List(int64_t anchor_orders,
                 std::vector<std::tuple<std::string, double, int64_t>> nbs) {
  v1::FbtList l;
  l.set_anchor_orders(anchor_orders);
  for (auto& [id, score, co] : nbs) {
    auto* n = l.add_neighbors();
    n->set_item_id(id);
    n->set_score(score);
    n->set_co_orders(co);
    n->set_lift(2.5);
  }
  return l;
}

std::vector<std::string> Ids(
    const google::protobuf::RepeatedPtrField<v1::RecommendedItem>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.item_id());
  return out;
}

std::string NoTitle(const std::string&) { return ""; }

TEST(FbtRankerTest, SingleAnchorKeepsOrderAndEvidence) {
  v1::FbtList a = List(100, {{"x", 50, 40}, {"y", 20, 10}});
  google::protobuf::RepeatedPtrField<v1::RecommendedItem> out;
  RankFrequentlyBoughtTogether({{"a", &a}}, {}, 10, NoTitle, &out);
  EXPECT_THAT(Ids(out), ::testing::ElementsAre("x", "y"));
  ASSERT_EQ(out[0].evidence_size(), 1);
  EXPECT_EQ(out[0].evidence(0).co_purchase_orders(), 40);
  EXPECT_DOUBLE_EQ(out[0].evidence(0).anchor_share(), 0.4);
  EXPECT_EQ(out[0].explanation(),
            "bought together with a in 40% of its orders (40 of 100, lift 2.5)");
}

TEST(FbtRankerTest, CartMergeNormalisesAndRewardsSharedComplements) {
  // A popular anchor with huge scores and a niche one with small scores.
  v1::FbtList big = List(10000, {{"p", 5000, 900}, {"shared", 2500, 500}});
  v1::FbtList small = List(50, {{"q", 10, 20}, {"shared", 8, 15}});
  google::protobuf::RepeatedPtrField<v1::RecommendedItem> out;
  RankFrequentlyBoughtTogether({{"big", &big}, {"small", &small}}, {}, 10,
                               NoTitle, &out);
  // shared: 0.5 + 0.8 = 1.3 beats p (1.0) and q (1.0); q is not drowned by
  // the big anchor's raw scores.
  EXPECT_THAT(Ids(out), ::testing::ElementsAre("shared", "p", "q"));
  EXPECT_EQ(out[0].evidence_size(), 2);
  EXPECT_THAT(out[0].explanation(), HasSubstr("and with"));
}

TEST(FbtRankerTest, NeverReturnsAnchorsOrExcludedAndHonoursLimit) {
  v1::FbtList a = List(100, {{"b", 9, 9}, {"x", 8, 8}, {"y", 7, 7}, {"z", 6, 6}});
  v1::FbtList b = List(100, {{"a", 9, 9}, {"w", 5, 5}});
  google::protobuf::RepeatedPtrField<v1::RecommendedItem> out;
  RankFrequentlyBoughtTogether({{"a", &a}, {"b", &b}}, {"x"}, 2,
                               [](const std::string& id) { return "T-" + id; },
                               &out);
  EXPECT_THAT(Ids(out), ::testing::ElementsAre("y", "z"));
  EXPECT_EQ(out[0].title(), "T-y");
}

TEST(FbtRankerTest, NoListsNoItems) {
  google::protobuf::RepeatedPtrField<v1::RecommendedItem> out;
  v1::FbtList empty;
  RankFrequentlyBoughtTogether({{"a", &empty}}, {}, 10, NoTitle, &out);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace boomerang
