#include "models/item_filter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace boomerang {
namespace {

using ::testing::HasSubstr;

v1::ItemRecord Item(const std::string& category, double price, bool in_stock) {
  v1::ItemRecord r;
  r.set_category(category);
  r.set_price(price);
  r.set_in_stock(in_stock);
  return r;
}

TEST(ItemFilterTest, CategoryPathsMatchAtSlashBoundaries) {
  EXPECT_TRUE(CategoryWithin("Home/Kitchen/Mugs", "Home/Kitchen"));
  EXPECT_TRUE(CategoryWithin("Home/Kitchen", "Home/Kitchen/"));
  EXPECT_FALSE(CategoryWithin("Home/Kitchenware", "Home/Kitchen"));
  EXPECT_FALSE(CategoryWithin("", "Home"));
  EXPECT_TRUE(CategoryWithin("anything", ""));
}

TEST(ItemFilterTest, DefaultsToInStockOnly) {
  auto f = ItemFilter::Create(v1::Filter());
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->Allows(Item("A", 1, true)));
  EXPECT_FALSE(f->Allows(Item("A", 1, false)));
  v1::Filter all;
  all.set_in_stock_only(false);
  EXPECT_TRUE(ItemFilter::Create(all)->Allows(Item("A", 1, false)));
}

TEST(ItemFilterTest, CategoriesAndPrices) {
  v1::Filter p;
  p.add_include_categories("Home");
  p.add_exclude_categories("Home/Garden");
  p.set_min_price(5);
  p.set_max_price(10);
  auto f = ItemFilter::Create(p);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->Allows(Item("Home/Kitchen", 7, true)));
  EXPECT_FALSE(f->Allows(Item("Home/Garden/Tools", 7, true)));
  EXPECT_FALSE(f->Allows(Item("Sports", 7, true)));
  EXPECT_FALSE(f->Allows(Item("Home/Kitchen", 4.99, true)));
  EXPECT_FALSE(f->Allows(Item("Home/Kitchen", 10.01, true)));
  EXPECT_TRUE(f->Allows(Item("Home/Kitchen", 10, true)));
  EXPECT_FALSE(f->Allows(Item("Home/Kitchen", 0, true)));  // unknown price
}

TEST(ItemFilterTest, BadFiltersAreInvalidArgument) {
  v1::Filter p;
  p.set_min_price(10);
  p.set_max_price(5);
  EXPECT_THAT(ItemFilter::Create(p).status().message(),
              HasSubstr("above filter.max_price"));
  v1::Filter n;
  n.set_min_price(-1);
  EXPECT_TRUE(absl::IsInvalidArgument(ItemFilter::Create(n).status()));
  v1::Filter e;
  e.add_include_categories("");
  EXPECT_THAT(ItemFilter::Create(e).status().message(),
              HasSubstr("filter.include_categories[0] is empty"));
  v1::Filter many;
  for (int i = 0; i < 101; ++i) many.add_exclude_categories("c");
  EXPECT_THAT(ItemFilter::Create(many).status().message(),
              HasSubstr("at most 100"));
}

}  // namespace
}  // namespace boomerang
