#include "models/item_exclusion.h"

#include <gtest/gtest.h>

namespace boomerang {
namespace {

TEST(ItemExclusionTest, DefaultsCoverOnlineRetailNonProducts) {
  ItemExclusion ex(DefaultExcludedItemPatterns());
  for (const char* id : {"POST", "DOT", "M", "m", "C2", "D", "S", "B",
                         "BANK CHARGES", "AMAZONFEE", "CRUK", "PADS",
                         "DCGS0003", "DCGSSGIRL", "gift_0001_20", "POSTAGE"}) {
    EXPECT_TRUE(ex.Excluded(id)) << id;
  }
  for (const char* id : {"22697", "85123A", "POST1", "DOTS", "MUG"}) {
    EXPECT_FALSE(ex.Excluded(id)) << id;
  }
}

TEST(ItemExclusionTest, UserPatterns) {
  ItemExclusion ex({"FEE-*", "wrap"});
  EXPECT_TRUE(ex.Excluded("fee-express"));
  EXPECT_TRUE(ex.Excluded("WRAP"));
  EXPECT_FALSE(ex.Excluded("wrapper"));
  EXPECT_FALSE(ItemExclusion({}).Excluded("POST"));
}

}  // namespace
}  // namespace boomerang
