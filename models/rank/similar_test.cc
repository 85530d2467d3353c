#include "models/rank/similar.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "models/rank/testing.h"

namespace boomerang {
namespace {

using ::testing::HasSubstr;

TEST(SimilarTest, LookAlikesWithTheirReasons) {
  testing::TinyGraph g;
  const int32_t a = g.Add("A", "french press", "Kitchen/Coffee", 20, 100);
  const int32_t b = g.Add("B", "french press large", "Kitchen/Coffee", 25, 50);
  const int32_t c = g.Add("C", "grinder", "Kitchen/Coffee", 40, 60);
  const int32_t d = g.Add("D", "tea pot", "Kitchen/Tea", 15, 70);
  g.LookAlike(a, b, 0.9f, 0.1f);
  g.LookAlike(a, c, 0.0f, 0.5f);
  g.LookAlike(a, d, 0.0f, 0.1f);
  google::protobuf::RepeatedPtrField<v1::RecommendedItem> out;
  RankContext context{[](int32_t) { return true; }, [](int32_t) { return 0.f; },
                      false};
  EXPECT_FALSE(RankSimilar(g, a, context, 10, SimilarOptions(), &out));
  ASSERT_EQ(out.size(), 3);
  EXPECT_EQ(out[0].explanation(),
            "similar to A: same category, similar name (0.90)");
  EXPECT_EQ(out[1].explanation(),
            "similar to A: same category, bought by the same customers (0.50)");
  EXPECT_EQ(out[2].explanation(), "similar to A: related");
  EXPECT_EQ(out[0].reason().code(), v1::SIMILAR);
}

TEST(SimilarTest, AnItemWithoutLookAlikesGetsItsCategorysBestSellers) {
  testing::TinyGraph g;
  const int32_t lone = g.Add("N", "new press", "Kitchen/Coffee", 30, 0);
  g.Add("B", "press", "Kitchen/Coffee", 25, 50);
  const int32_t c = g.Add("C", "grinder", "Kitchen/Coffee", 40, 60);
  g.Add("T", "tea pot", "Kitchen/Tea", 15, 70);
  google::protobuf::RepeatedPtrField<v1::RecommendedItem> out;
  RankContext context{[&](int32_t i) { return i != c; },
                      [](int32_t) { return 0.f; }, false};
  EXPECT_TRUE(RankSimilar(g, lone, context, 10, SimilarOptions(), &out));
  ASSERT_EQ(out.size(), 1);
  EXPECT_EQ(out[0].item_id(), "B");
  EXPECT_EQ(out[0].reason().code(), v1::CATEGORY_BEST_SELLER);
  EXPECT_THAT(out[0].explanation(),
              HasSubstr("a best seller in Kitchen/Coffee (50 orders); N has "
                        "no purchase history yet"));
}

TEST(SimilarTest, LookAlikesAllFilteredOutIsNotAFallback) {
  testing::TinyGraph g;
  const int32_t a = g.Add("A", "press", "Kitchen/Coffee", 20, 100);
  const int32_t b = g.Add("B", "press large", "Kitchen/Coffee", 25, 50);
  g.LookAlike(a, b, 0.9f, 0.1f);
  google::protobuf::RepeatedPtrField<v1::RecommendedItem> out;
  RankContext context{[](int32_t) { return false; },
                      [](int32_t) { return 0.f; }, false};
  EXPECT_FALSE(RankSimilar(g, a, context, 10, SimilarOptions(), &out));
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace boomerang
