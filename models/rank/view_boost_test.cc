#include "models/rank/view_boost.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "models/rank/testing.h"

namespace boomerang {
namespace {

TEST(ViewBoostTest, ViewedItemsAndTheirLookAlikesJoinByRecency) {
  testing::TinyGraph g;
  const int32_t a = g.Add("A", "a", "", 1, 1);
  const int32_t b = g.Add("B", "b", "", 1, 1);
  const int32_t c = g.Add("C", "c", "", 1, 1);
  const int32_t d = g.Add("D", "d", "", 1, 1);
  g.LookAlike(c, d, 1.0f, 1.0f);  // blended 0.5 + 0.4 = 0.9
  std::vector<PicksCandidate> candidates = {{a, 2.0f}, {b, 1.0f}};
  // Newest first: c, an item the graph does not know, then b.
  BoostByViews(g, {c, -1, b}, ViewBoostOptions(), &candidates);
  ASSERT_EQ(candidates.size(), 4u);
  // c: 1.2 x best (2) x 1; d: 2 x 1 x 0.9; b: max(1, 1.2 x 2 / 1.4).
  EXPECT_EQ(candidates[0].item, c);
  EXPECT_FLOAT_EQ(candidates[0].score, 2.4f);
  EXPECT_EQ(candidates[1].item, a);
  EXPECT_EQ(candidates[2].item, d);
  EXPECT_FLOAT_EQ(candidates[2].score, 1.8f);
  EXPECT_EQ(candidates[3].item, b);
  EXPECT_FLOAT_EQ(candidates[3].score, 2.4f / 1.4f);
}

TEST(ViewBoostTest, OnlyTheNewestViewsCount) {
  testing::TinyGraph g;
  std::vector<int32_t> views;
  for (int i = 0; i < 12; ++i)
    views.push_back(g.Add(std::to_string(i), "", "", 1, 1));
  std::vector<PicksCandidate> candidates;
  ViewBoostOptions options;
  options.max_views = 10;
  BoostByViews(g, views, options, &candidates);
  EXPECT_EQ(candidates.size(), 10u);
  EXPECT_EQ(candidates[0].item, views[0]);  // no candidates: best is 1
  EXPECT_FLOAT_EQ(candidates[0].score, 1.2f);
}

}  // namespace
}  // namespace boomerang
