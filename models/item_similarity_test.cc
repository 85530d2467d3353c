#include "models/item_similarity.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace boomerang {
namespace {

using ::testing::ElementsAre;

TEST(ItemSimilarityTest, TitleWords) {
  EXPECT_THAT(TitleWords("French Press, 1L (Premium)"),
              ElementsAre("french", "press", "1l", "premium"));
}

TEST(ItemSimilarityTest, SubstitutesByNameAndCategoryWithoutSharedBuyers) {
  // 0-2: one product in three tiers, bought by different customers (their
  // embeddings are orthogonal); 3: same category, other product; 4: another
  // category entirely, but bought by the same customers as 0.
  std::vector<std::string> titles = {"French Press Essentials", "French Press",
                                     "French Press Premium", "Coffee Grinder",
                                     "Garden Hose"};
  std::vector<std::string> categories = {"Kitchen/Coffee", "Kitchen/Coffee",
                                         "Kitchen/Coffee", "Kitchen/Coffee",
                                         "Garden"};
  std::vector<int64_t> orders = {10, 20, 5, 30, 8};
  std::vector<float> unit = {1, 0, 0,  //
                             0, 1, 0,  //
                             0, 0, 1,  //
                             0, 1, 0,  //
                             1, 0, 0};
  ItemSimilarityInputs in;
  in.titles = &titles;
  in.categories = &categories;
  in.orders = &orders;
  in.unit_vectors = &unit;
  in.dim = 3;
  std::vector<std::vector<std::pair<int32_t, float>>> neighbors = {
      {{4, 1.f}}, {{3, 1.f}}, {}, {{1, 1.f}}, {{0, 1.f}}};
  in.behavior_neighbors = &neighbors;
  ItemSimilarityOptions opts;
  opts.threads = 2;
  auto sim = ComputeItemSimilarity(in, opts);
  ASSERT_GE(sim[0].size(), 3u);
  // The other tiers first, then the same-category grinder.
  std::vector<int32_t> top = {sim[0][0].item, sim[0][1].item};
  EXPECT_THAT(top, ::testing::UnorderedElementsAre(1, 2));
  EXPECT_GT(sim[0][0].title, 0.3f);
  EXPECT_TRUE(sim[0][0].same_category);
  // Behaviour still proposes the cross-category alternative.
  bool has_hose = false;
  for (const auto& s : sim[0]) has_hose = has_hose || s.item == 4;
  EXPECT_TRUE(has_hose);
  for (const auto& list : sim) {
    for (size_t j = 1; j < list.size(); ++j)
      EXPECT_GE(list[j - 1].score, list[j].score);
  }
  // Never the item itself.
  for (size_t i = 0; i < sim.size(); ++i) {
    for (const auto& s : sim[i]) EXPECT_NE(s.item, static_cast<int32_t>(i));
  }
}

TEST(ItemSimilarityTest, WorksWithoutEmbeddingsOrCategories) {
  std::vector<std::string> titles = {"GREEN REGENCY TEACUP AND SAUCER",
                                     "PINK REGENCY TEACUP AND SAUCER",
                                     "WHITE HANGING HEART T-LIGHT HOLDER"};
  std::vector<std::string> categories(3);
  std::vector<int64_t> orders = {1, 1, 1};
  ItemSimilarityInputs in;
  in.titles = &titles;
  in.categories = &categories;
  in.orders = &orders;
  auto sim = ComputeItemSimilarity(in, ItemSimilarityOptions());
  ASSERT_EQ(sim[0].size(), 1u);
  EXPECT_EQ(sim[0][0].item, 1);
}

}  // namespace
}  // namespace boomerang
