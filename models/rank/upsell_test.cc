#include "models/rank/upsell.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "models/rank/testing.h"

namespace boomerang {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> Rank(const testing::TinyGraph& g, int32_t anchor,
                              std::function<float(int32_t)> taste = nullptr,
                              double low = 1.05, double high = 2.0) {
  google::protobuf::RepeatedPtrField<v1::RecommendedItem> out;
  RankContext context{[](int32_t) { return true; },
                      [&](int32_t i) { return taste ? taste(i) : 0.f; },
                      taste != nullptr};
  RankUpsell(g, anchor, low, high, context, 10, UpsellOptions(), &out);
  std::vector<std::string> ids;
  for (const auto& it : out) ids.push_back(it.item_id());
  return ids;
}

TEST(UpsellTest, PricierItemsOfTheCategoryWithinTheBand) {
  testing::TinyGraph g;
  const int32_t mug = g.Add("M", "white mug", "Home/Mugs", 10, 100);
  const int32_t cheap = g.Add("C", "basic mug", "Home/Mugs", 8, 300);
  const int32_t better = g.Add("B", "stoneware mug", "Home/Mugs", 14, 50);
  const int32_t best = g.Add("T", "porcelain mug", "Home/Mugs", 19, 20);
  g.Add("X", "crystal mug", "Home/Mugs", 25, 5);  // over 2x
  g.Add("V", "vase", "Home/Vases", 15, 500);      // another category
  g.LookAlike(mug, better, 0.5f, 0.3f);
  g.LookAlike(mug, best, 0.5f, 0.1f);
  (void)cheap;
  EXPECT_THAT(Rank(g, mug), ElementsAre("B", "T"));
  // Taste can reorder them.
  EXPECT_THAT(Rank(g, mug, [&](int32_t i) { return i == best ? 1.f : 0.f; }),
              ElementsAre("T", "B"));
}

TEST(UpsellTest, WithoutCategoriesAnAlternativeNotAComplement) {
  testing::TinyGraph g;
  const int32_t green =
      g.Add("22697", "GREEN REGENCY TEACUP AND SAUCER", "", 2.95, 729);
  const int32_t sugar =
      g.Add("23174", "REGENCY SUGAR BOWL GREEN", "", 4.15, 322);
  const int32_t retro =
      g.Add("22072", "RED RETROSPOT TEA CUP AND SAUCER", "", 3.75, 163);
  const int32_t bracelet =
      g.Add("90197B", "BLACK GLASS BRACELET W HEART CHARMS", "", 4.98, 27);
  const int32_t deluxe =
      g.Add("22700", "GREEN REGENCY TEACUP AND SAUCER DELUXE", "", 4.50, 90);
  g.LookAlike(green, sugar, 0.36f, 0.84f);
  g.LookAlike(green, retro, 0.40f, 0.0f);
  g.LookAlike(green, bracelet, 0.0f, 0.37f);
  g.LookAlike(green, deluxe, 0.80f, 0.5f);
  g.CoPurchase(green, sugar, 118, 12.5f);  // a complement
  g.CoPurchase(green, retro, 19, 3.8f);    // weakly
  g.CoPurchase(green, deluxe, 60, 15.0f);  // a look-alike of the set
  EXPECT_THAT(Rank(g, green), ElementsAre("22700", "22072"));
}

TEST(UpsellTest, ExplainsTheStepUpAndTheTaste) {
  testing::TinyGraph g;
  const int32_t mug = g.Add("M", "white mug", "Home/Mugs", 10, 100);
  const int32_t better = g.Add("B", "stoneware mug", "Home/Mugs", 14, 50);
  g.LookAlike(mug, better, 0.5f, 0.3f);
  google::protobuf::RepeatedPtrField<v1::RecommendedItem> out;
  RankContext context{[](int32_t) { return true; },
                      [](int32_t) { return 0.9f; }, true};
  RankUpsell(g, mug, 1.05, 2.0, context, 10, UpsellOptions(), &out);
  ASSERT_EQ(out.size(), 1);
  EXPECT_EQ(out[0].explanation(),
            "a step up from M: 14.00 vs 10.00 (1.4x), also in Home/Mugs, 50 "
            "orders; matches what you buy");
  EXPECT_EQ(out[0].reason().code(), v1::UPSELL);
  EXPECT_EQ(out[0].reason().anchor_item_id(), "M");
}

TEST(UpsellTest, NothingForAnItemWithoutAPrice) {
  testing::TinyGraph g;
  const int32_t free = g.Add("F", "sample", "Home/Mugs", 0, 10);
  g.Add("B", "stoneware mug", "Home/Mugs", 14, 50);
  EXPECT_TRUE(Rank(g, free).empty());
}

}  // namespace
}  // namespace boomerang
