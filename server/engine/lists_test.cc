#include "server/engine/lists.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "indexer/indexer.h"
#include "tests/test_util.h"

namespace boomerang {
namespace {

using ::testing::HasSubstr;

class FbtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // CUP goes with SAUCER (and less with SPOON); KETTLE is bought alone.
    std::string csv = "order_id,customer_id,item_id,timestamp\n";
    for (int o = 0; o < 30; ++o) {
      std::string id = "o" + std::to_string(o);
      if (o < 20) csv += id + ",c1,CUP,2024-01-01\n";
      if (o < 16) csv += id + ",c1,SAUCER,2024-01-01\n";
      if (o >= 12 && o < 24) csv += id + ",c1,SPOON,2024-01-01\n";
      if (o >= 20) csv += id + ",c1,KETTLE,2024-01-01\n";
    }
    IndexerOptions opts;
    opts.purchases_path = testing::WriteFile(tmp_.Sub("o.csv"), csv);
    opts.out_root = tmp_.Sub("snaps");
    IndexReport report;
    ASSERT_TRUE(RunIndexer(opts, &report).ok());
    auto snap = Snapshot::Open(report.snapshot_dir, SnapshotOptions());
    ASSERT_TRUE(snap.ok()) << snap.status();
    snapshot_ = *snap;
  }

  absl::StatusOr<v1::FrequentlyBoughtTogetherResponse> Ask(
      std::vector<std::string> items, int limit = 0,
      std::vector<std::string> exclude = {}) {
    v1::FrequentlyBoughtTogetherRequest req;
    for (auto& i : items) req.add_item_ids(i);
    for (auto& e : exclude) req.add_exclude_item_ids(e);
    req.set_limit(limit);
    v1::FrequentlyBoughtTogetherResponse resp;
    absl::Status s = FrequentlyBoughtTogether(ViewOf(snapshot_), req, &resp);
    if (!s.ok()) return s;
    return resp;
  }

  testing::TempDir tmp_;
  std::shared_ptr<const Snapshot> snapshot_;
};

TEST_F(FbtTest, RanksComplementsWithEvidence) {
  auto r = Ask({"CUP"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->snapshot_version(), "000001");
  ASSERT_GE(r->items_size(), 1);
  EXPECT_EQ(r->items(0).item_id(), "SAUCER");
  EXPECT_EQ(r->items(0).evidence(0).co_purchase_orders(), 16);
  EXPECT_EQ(r->items(0).evidence(0).anchor_orders(), 20);
  EXPECT_DOUBLE_EQ(r->items(0).evidence(0).anchor_share(), 0.8);
  EXPECT_THAT(r->items(0).explanation(),
              HasSubstr("in 80% of the orders that contain it"));
  EXPECT_FALSE(r->all_items_unknown());
}

TEST_F(FbtTest, InputsAndExclusionsAreNeverReturned) {
  // SAUCER is CUP's top candidate; excluding it (even with stray spaces)
  // must leave it out, and the input item never comes back.
  auto r = Ask({"CUP"}, 10, {" SAUCER "});
  ASSERT_TRUE(r.ok());
  for (const auto& item : r->items()) {
    EXPECT_NE(item.item_id(), "CUP");
    EXPECT_NE(item.item_id(), "SAUCER");
  }
  auto both = Ask({"CUP", "SAUCER"});
  ASSERT_TRUE(both.ok());
  for (const auto& item : both->items()) {
    EXPECT_NE(item.item_id(), "CUP");
    EXPECT_NE(item.item_id(), "SAUCER");
  }
  // Spaces around a requested id are ignored.
  auto spaced = Ask({" CUP "});
  ASSERT_TRUE(spaced.ok());
  ASSERT_GT(spaced->items_size(), 0);
  EXPECT_EQ(spaced->items(0).item_id(), "SAUCER");
}

TEST_F(FbtTest, CarriesAReasonCategoryAndPrice) {
  auto r = Ask({"CUP"});
  ASSERT_TRUE(r.ok());
  ASSERT_GT(r->items_size(), 0);
  EXPECT_EQ(r->items(0).reason().code(), v1::BOUGHT_TOGETHER);
  EXPECT_EQ(r->items(0).reason().anchor_item_id(), "CUP");
}

TEST_F(FbtTest, FilterIsAppliedAndValidated) {
  v1::FrequentlyBoughtTogetherRequest req;
  req.add_item_ids("CUP");
  req.mutable_filter()->add_exclude_item_ids("SAUCER");
  v1::FrequentlyBoughtTogetherResponse resp;
  ASSERT_TRUE(FrequentlyBoughtTogether(ViewOf(snapshot_), req, &resp).ok());
  for (const auto& item : resp.items()) EXPECT_NE(item.item_id(), "SAUCER");

  req.mutable_filter()->set_min_price(3);
  req.mutable_filter()->set_max_price(2);
  absl::Status s = FrequentlyBoughtTogether(ViewOf(snapshot_), req, &resp);
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_THAT(s.message(), HasSubstr("filter.min_price"));
}

TEST_F(FbtTest, UnknownItemsAreFlaggedNotErrors) {
  auto r = Ask({"NOPE"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->all_items_unknown());
  EXPECT_EQ(r->items_size(), 0);
  EXPECT_EQ(r->unknown_item_ids(0), "NOPE");
  auto mixed = Ask({"NOPE", "CUP"});
  ASSERT_TRUE(mixed.ok());
  EXPECT_FALSE(mixed->all_items_unknown());
  EXPECT_GT(mixed->items_size(), 0);
  EXPECT_EQ(mixed->unknown_item_ids_size(), 1);
  // Known but never bought with anything: an empty list, not unknown.
  auto alone = Ask({"KETTLE"});
  ASSERT_TRUE(alone.ok());
  EXPECT_FALSE(alone->all_items_unknown());
  EXPECT_EQ(alone->items_size(), 0);
}

TEST_F(FbtTest, MalformedRequestsAreInvalidArgument) {
  EXPECT_THAT(Ask({}).status().message(), HasSubstr("item_ids is empty"));
  EXPECT_THAT(Ask({"CUP"}, 101).status().message(),
              HasSubstr("limit 101 is out of range"));
  EXPECT_THAT(Ask({"CUP"}, -1).status().message(), HasSubstr("out of range"));
  EXPECT_THAT(Ask({""}).status().message(), HasSubstr("item_ids[0] is empty"));
  EXPECT_THAT(Ask({std::string(300, 'x')}).status().message(),
              HasSubstr("ids are at most 256 bytes"));
  std::vector<std::string> many(101, "CUP");
  EXPECT_THAT(Ask(many).status().message(), HasSubstr("at most 100"));
  std::vector<std::string> excl(1001, "X");
  EXPECT_THAT(Ask({"CUP"}, 0, excl).status().message(),
              HasSubstr("exclude_item_ids has 1001 entries"));
  EXPECT_TRUE(absl::IsInvalidArgument(Ask({}).status()));
  // Default and explicit limits.
  EXPECT_LE(Ask({"CUP"})->items_size(), 10);
  EXPECT_EQ(Ask({"CUP"}, 1)->items_size(), 1);
}

}  // namespace
}  // namespace boomerang

namespace boomerang {
namespace {

TEST(ColdStartTest, NewItemsGetTheirCategorysBestSellers) {
  testing::TempDir tmp;
  std::string csv = "order_id,customer_id,item_id,timestamp\n";
  for (int o = 0; o < 30; ++o) {
    const std::string id = "o" + std::to_string(o);
    csv += id + ",c" + std::to_string(o % 5) + ",MUG,2024-01-01\n";
    if (o % 3 == 0) csv += id + ",c1,KETTLE,2024-01-01\n";
    if (o % 2 == 0) csv += id + ",c2,HOSE,2024-01-01\n";
  }
  IndexerOptions opts;
  opts.purchases_path = testing::WriteFile(tmp.Sub("o.csv"), csv);
  opts.catalog_path = testing::WriteFile(
      tmp.Sub("catalog.csv"),
      "item_id,title,category,price,in_stock\n"
      "MUG,Mug,Home/Kitchen,5,1\nKETTLE,Kettle,Home/Kitchen,20,1\n"
      "HOSE,Hose,Garden,15,1\nNEWPOT,Tea Pot,Home/Kitchen,18,1\n");
  opts.out_root = tmp.Sub("snaps");
  IndexReport report;
  ASSERT_TRUE(RunIndexer(opts, &report).ok());
  auto snap = Snapshot::Open(report.snapshot_dir, SnapshotOptions());
  ASSERT_TRUE(snap.ok()) << snap.status();

  v1::SimilarItemsRequest similar;
  similar.set_item_id("NEWPOT");
  v1::RecommendationsResponse resp;
  ASSERT_TRUE(SimilarItems(ViewOf(*snap), similar, &resp).ok());
  ASSERT_GT(resp.items_size(), 0);
  // Its name and category still make kitchen items its nearest neighbours.
  EXPECT_EQ(resp.items(0).category(), "Home/Kitchen");

  v1::CrossSellRequest cross;
  cross.add_item_ids("NEWPOT");
  v1::RecommendationsResponse cross_resp;
  ASSERT_TRUE(CrossSell(ViewOf(*snap), cross, &cross_resp).ok());
  EXPECT_TRUE(cross_resp.fallback());
  ASSERT_GT(cross_resp.items_size(), 1);
  EXPECT_EQ(cross_resp.items(0).reason().code(), v1::CATEGORY_BEST_SELLER);
  EXPECT_EQ(cross_resp.items(0).item_id(), "MUG");  // the kitchen best seller
  for (const auto& i : cross_resp.items()) EXPECT_NE(i.item_id(), "NEWPOT");

  v1::PersonalPicksRequest picks;
  picks.set_customer_id("stranger");
  picks.mutable_filter()->add_include_categories("Garden");
  v1::RecommendationsResponse picks_resp;
  ASSERT_TRUE(PersonalPicks(ViewOf(*snap), picks, &picks_resp).ok());
  EXPECT_TRUE(picks_resp.fallback());
  ASSERT_EQ(picks_resp.items_size(), 1);
  EXPECT_EQ(picks_resp.items(0).item_id(), "HOSE");  // best sellers, filtered
}

}  // namespace
}  // namespace boomerang
