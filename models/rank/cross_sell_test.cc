#include "models/rank/cross_sell.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "models/rank/testing.h"

namespace boomerang {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> Ids(
    const google::protobuf::RepeatedPtrField<v1::RecommendedItem>& items) {
  std::vector<std::string> ids;
  for (const auto& it : items) ids.push_back(it.item_id());
  return ids;
}

// A shop without categories, as UCI Online Retail: the Regency teacups are
// look-alikes bought as a set, the sugar bowl a complement.
class CrossSellTest : public ::testing::Test {
 protected:
  void SetUp() override {
    green_ = g_.Add("22697", "GREEN REGENCY TEACUP AND SAUCER", "", 2.95, 729);
    pink_ = g_.Add("22698", "PINK REGENCY TEACUP AND SAUCER", "", 2.95, 574);
    roses_ = g_.Add("22699", "ROSES REGENCY TEACUP AND SAUCER", "", 2.95, 800);
    sugar_ = g_.Add("23174", "REGENCY SUGAR BOWL GREEN", "", 4.15, 322);
    retro_ = g_.Add("22072", "RED RETROSPOT TEACUP AND SAUCER", "", 3.75, 163);
    for (int32_t cup : {green_, pink_}) {
      g_.LookAlike(cup, roses_, 0.85f, 0.98f);
      g_.LookAlike(cup, sugar_, 0.36f, 0.84f);  // shared words only
      g_.LookAlike(cup, retro_, 0.55f, 0.10f);  // a look-alike
      g_.CoPurchase(cup, sugar_, 118, 12.5f);   // a complement
      g_.CoPurchase(cup, retro_, 19, 2.0f);     // chosen instead
    }
    g_.CoPurchase(pink_, roses_, 444, 19.0f);  // bought as a set
    g_.CoPurchase(green_, roses_, 553, 18.6f);
  }
  bool Rank(
      std::vector<int32_t> cart, int limit,
      google::protobuf::RepeatedPtrField<v1::RecommendedItem>* out,
      std::function<float(int32_t)> taste = [](int32_t) { return 0.f; },
      std::function<bool(int32_t)> allowed = [](int32_t) { return true; }) {
    RankContext context{allowed, taste, true};
    return RankCrossSell(g_, cart, context, limit, CrossSellOptions(), out);
  }

  testing::TinyGraph g_;
  int32_t green_, pink_, roses_, sugar_, retro_;
};

TEST_F(CrossSellTest, KeepsALookAlikeBoughtAsASetAndSaysSo) {
  google::protobuf::RepeatedPtrField<v1::RecommendedItem> out;
  EXPECT_FALSE(Rank({green_, pink_}, 10, &out));
  // The roses teacup stays (lift 18.6-19 >= 3); the red retrospot teacup, a
  // look-alike bought with the cart only at lift 2, is a substitute.
  EXPECT_THAT(Ids(out), ::testing::ElementsAre("22699", "23174"));
  EXPECT_THAT(out[0].explanation(),
              HasSubstr("looks like 22698 (PINK REGENCY TEACUP AND SAUCER), "
                        "but the two are bought as a set"));
  EXPECT_THAT(out[1].explanation(), HasSubstr("bought together with"));
  EXPECT_EQ(out[1].reason().code(), v1::CROSS_SELL);
  EXPECT_EQ(out[1].price(), 4.15);
}

TEST_F(CrossSellTest, WithCategoriesANameNeedsLessToLookAlike) {
  testing::TinyGraph g;
  const int32_t pan =
      g.Add("P1", "steel frying pan 24cm", "Kitchen/Pans", 30, 50);
  const int32_t pan2 =
      g.Add("P2", "steel frying pan 28cm", "Kitchen/Pans", 35, 40);
  const int32_t lid = g.Add("L1", "glass lid 24cm", "Kitchen/Lids", 9, 30);
  g.LookAlike(pan, pan2, 0.35f, 0.2f);  // same category: a look-alike
  g.LookAlike(pan, lid, 0.35f, 0.2f);   // another category: not
  g.CoPurchase(pan, pan2, 5, 1.5f);
  g.CoPurchase(pan, lid, 20, 6.0f);
  google::protobuf::RepeatedPtrField<v1::RecommendedItem> out;
  RankContext context{[](int32_t) { return true; }, [](int32_t) { return 0.f; },
                      false};
  EXPECT_FALSE(RankCrossSell(g, {pan}, context, 10, CrossSellOptions(), &out));
  EXPECT_THAT(Ids(out), ::testing::ElementsAre("L1"));
}

TEST_F(CrossSellTest, TasteReordersButNeverPromotesAWeakComplement) {
  testing::TinyGraph g;
  const int32_t cart = g.Add("C", "camera", "Photo", 300, 100);
  const int32_t a = g.Add("A", "memory card", "Photo/Cards", 20, 80);
  const int32_t b = g.Add("B", "camera bag", "Photo/Bags", 40, 70);
  g.CoPurchase(cart, a, 40, 10.0f);
  g.CoPurchase(cart, b, 30, 8.0f);
  auto rank = [&](float taste_b) {
    google::protobuf::RepeatedPtrField<v1::RecommendedItem> out;
    RankContext context{[](int32_t) { return true; },
                        [&](int32_t i) { return i == b ? taste_b : 0.f; },
                        true};
    RankCrossSell(g, {cart}, context, 10, CrossSellOptions(), &out);
    return Ids(out);
  };
  EXPECT_THAT(rank(0), ::testing::ElementsAre("A", "B"));
  // 0.8 x (1 + 0.5) = 1.2 > 1 (scores are normalised per anchor).
  EXPECT_THAT(rank(1), ::testing::ElementsAre("B", "A"));
  // A negative taste does not push an item down.
  EXPECT_THAT(rank(-1), ::testing::ElementsAre("A", "B"));
}

TEST_F(CrossSellTest, NothingBoughtWithTheCartFallsBackToBestSellers) {
  testing::TinyGraph g;
  const int32_t lone = g.Add("N", "new kettle", "Kitchen", 25, 0);
  const int32_t k1 = g.Add("K1", "toaster", "Kitchen", 30, 90);
  const int32_t k2 = g.Add("K2", "kettle classic", "Kitchen", 20, 80);
  const int32_t other = g.Add("O", "umbrella", "Outdoor", 15, 200);
  g.LookAlike(lone, k2, 0.6f, 0.f);  // a look-alike: not a fallback
  g.AddPopular(other, 200, /*recent=*/true);
  google::protobuf::RepeatedPtrField<v1::RecommendedItem> out;
  RankContext context{[](int32_t) { return true; }, [](int32_t) { return 0.f; },
                      false};
  EXPECT_TRUE(RankCrossSell(g, {lone}, context, 10, CrossSellOptions(), &out));
  EXPECT_THAT(Ids(out), ::testing::ElementsAre("K1", "O"));
  EXPECT_EQ(out[0].reason().code(), v1::CATEGORY_BEST_SELLER);
  EXPECT_THAT(out[0].explanation(), HasSubstr("nothing is bought with N yet"));
  EXPECT_EQ(out[1].reason().code(), v1::POPULAR);
  EXPECT_THAT(out[1].explanation(), HasSubstr("trending: 200 orders"));
  (void)k1;
}

TEST_F(CrossSellTest, DisallowedItemsNeverComeBackAndLimitHolds) {
  google::protobuf::RepeatedPtrField<v1::RecommendedItem> out;
  Rank(
      {green_, pink_}, 10, &out, [](int32_t) { return 0.f; },
      [&](int32_t i) { return i != roses_; });
  EXPECT_THAT(Ids(out), ::testing::ElementsAre("23174"));
  out.Clear();
  Rank({green_, pink_}, 1, &out);
  EXPECT_EQ(out.size(), 1);
}

}  // namespace
}  // namespace boomerang
