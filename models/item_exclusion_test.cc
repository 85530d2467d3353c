#include "models/item_exclusion.h"

#include <gtest/gtest.h>

namespace boomerang {
namespace {

TEST(ItemExclusionTest, DefaultsCoverOnlineRetailNonProducts) {
  ItemExclusion ex(DefaultExcludedItemPatterns());
  for (const char* id :
       {"POST", "DOT", "M", "m", "C2", "D", "S", "B", "BANK CHARGES",
        "AMAZONFEE", "CRUK", "PADS", "gift_0001_20", "POSTAGE", "Postage",
        "postage", "Shipping Fee", "discount"}) {
    EXPECT_TRUE(ex.Excluded(id)) << id;
  }
}

TEST(ItemExclusionTest, DefaultsLeaveLookAlikeProductsAlone) {
  ItemExclusion ex(DefaultExcludedItemPatterns());
  for (const char* id : {"22697", "85123A", "POST1", "DOTS", "MUG", "dot", "b",
                         "ADJUSTABLE-STAND", "Tax", "DCGS0004"}) {
    EXPECT_FALSE(ex.Excluded(id)) << id;
  }
}

TEST(ItemExclusionTest, UserPatternsAreExactAndCaseSensitive) {
  ItemExclusion ex({"FEE-*", "wrap"});
  EXPECT_TRUE(ex.Excluded("FEE-express"));
  EXPECT_FALSE(ex.Excluded("fee-express"));
  EXPECT_TRUE(ex.Excluded("wrap"));
  EXPECT_FALSE(ex.Excluded("WRAP"));
  EXPECT_FALSE(ex.Excluded("wrapper"));
  EXPECT_FALSE(ItemExclusion({}).Excluded("POST"));
}

}  // namespace
}  // namespace boomerang
