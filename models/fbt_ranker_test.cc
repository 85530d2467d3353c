#include "models/fbt_ranker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace boomerang {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Item indices name themselves: 0 -> "i0".
class Catalog {
 public:
  explicit Catalog(int n) {
    for (int i = 0; i < n; ++i) ids_.push_back("i" + std::to_string(i));
  }
  FbtItemNames Names() const { return FbtItemNames{id_fn_, title_fn_}; }

 private:
  std::vector<std::string> ids_;
  std::function<absl::string_view(int32_t)> id_fn_ = [this](int32_t i) {
    return absl::string_view(ids_[i]);
  };
  std::function<absl::string_view(int32_t)> title_fn_ = [this](int32_t i) {
    return absl::string_view(ids_[i]);
  };
};

std::vector<Neighbor> List(
    std::vector<std::tuple<int32_t, float, int32_t>> nbs) {
  std::vector<Neighbor> out;
  for (auto& [item, score, co] : nbs)
    out.push_back(Neighbor{item, score, co, 2.5f});
  return out;
}

bool All(int32_t) { return true; }

std::vector<std::string> Ids(
    const google::protobuf::RepeatedPtrField<v1::RecommendedItem>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.item_id());
  return out;
}

TEST(FbtRankerTest, SingleAnchorKeepsOrderAndEvidence) {
  Catalog cat(10);
  auto a = List({{1, 50, 40}, {2, 20, 10}});
  google::protobuf::RepeatedPtrField<v1::RecommendedItem> out;
  std::vector<FbtAnchor> anchors{{0, 100, a}};
  RankFrequentlyBoughtTogether(anchors, All, 10, cat.Names(), &out);
  EXPECT_THAT(Ids(out), ElementsAre("i1", "i2"));
  ASSERT_EQ(out[0].evidence_size(), 1);
  EXPECT_EQ(out[0].evidence(0).anchor_item_id(), "i0");
  EXPECT_EQ(out[0].evidence(0).co_purchase_orders(), 40);
  EXPECT_DOUBLE_EQ(out[0].evidence(0).anchor_share(), 0.4);
  EXPECT_EQ(out[0].title(), "i1");
  EXPECT_EQ(
      out[0].explanation(),
      "bought together with i0 in 40% of the orders that contain it (40 of "
      "100, lift 2.5)");
}

TEST(FbtRankerTest, CartMergeNormalisesAndRewardsSharedComplements) {
  // A popular anchor (0) with huge scores and a niche one (1) with small
  // scores; 4 goes with both.
  Catalog cat(10);
  auto big = List({{2, 5000, 900}, {4, 2500, 500}});
  auto small = List({{3, 10, 20}, {4, 8, 15}});
  google::protobuf::RepeatedPtrField<v1::RecommendedItem> out;
  std::vector<FbtAnchor> anchors{{0, 10000, big}, {1, 50, small}};
  RankFrequentlyBoughtTogether(anchors, All, 10, cat.Names(), &out);
  // 4: 0.5 + 0.8 = 1.3 beats 2 (1.0) and 3 (1.0, fewer co-orders); 3 is not
  // drowned by the big anchor's raw scores.
  EXPECT_THAT(Ids(out), ElementsAre("i4", "i2", "i3"));
  ASSERT_EQ(out[0].evidence_size(), 2);
  EXPECT_EQ(out[0].evidence(0).anchor_item_id(), "i0");  // strongest first
  EXPECT_THAT(out[0].explanation(), HasSubstr("and with i1 in 30%"));
}

TEST(FbtRankerTest, NeverReturnsAnchorsOrExcludedAndHonoursLimit) {
  Catalog cat(10);
  auto a = List({{1, 9, 9}, {5, 8, 8}, {6, 7, 7}, {7, 6, 6}});
  auto b = List({{0, 9, 9}, {8, 5, 5}});
  google::protobuf::RepeatedPtrField<v1::RecommendedItem> out;
  std::vector<FbtAnchor> anchors{{0, 100, a}, {1, 100, b}};
  RankFrequentlyBoughtTogether(
      anchors, [](int32_t i) { return i != 5; }, 2, cat.Names(), &out);
  // Scores: 6 -> 7/9, 7 -> 6/9, 8 -> 5/9; anchors 0, 1 and excluded 5 never.
  EXPECT_THAT(Ids(out), ElementsAre("i6", "i7"));
}

TEST(FbtRankerTest, NoListsNoItems) {
  Catalog cat(2);
  google::protobuf::RepeatedPtrField<v1::RecommendedItem> out;
  std::vector<FbtAnchor> anchors{{0, 10, {}}};
  RankFrequentlyBoughtTogether(anchors, All, 10, cat.Names(), &out);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace boomerang
