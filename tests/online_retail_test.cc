// Real data: UCI Online Retail (../shared/data/online-retail), indexed with
// column mapping alone, served, and asked over gRPC. Skips when the shared
// data folder is absent (a user's fresh clone).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "boomerang/v1/recommender.grpc.pb.h"
#include "boomerang/v1/snapshot.pb.h"
#include "models/item_exclusion.h"
#include "models/snapshot/internal/tables.h"
#include "tests/process.h"
#include "tests/test_util.h"

namespace boomerang {
namespace {

using ::testing::HasSubstr;

class OnlineRetailTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string data = testing::SharedDataDir();
    if (data.empty()) return;
    tmp_ = new testing::TempDir();
    const std::string bin = testing::BinDir();
    auto idx = testing::IndexOnlineRetailExport(
        bin, data + "/online-retail/online_retail.csv.gz", tmp_->Sub("snaps"),
        tmp_->path());
    summary_ = new testing::CommandResult(idx);
    if (idx.exit_code != 0) return;
    server_ = new testing::ServerProcess(bin, tmp_->Sub("snaps"), tmp_->path());
    if (!server_->WaitServing()) {
      delete server_;
      server_ = nullptr;
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    delete summary_;
    delete tmp_;
  }
  void SetUp() override {
    if (testing::SharedDataDir().empty()) {
      GTEST_SKIP()
          << "../shared/data is absent: skipping the Online Retail checks";
    }
    ASSERT_EQ(summary_->exit_code, 0) << summary_->err;
    ASSERT_NE(server_, nullptr) << "server did not start";
  }

  v1::FrequentlyBoughtTogetherResponse Fbt(
      const std::vector<std::string>& items, int limit) {
    auto stub = v1::Recommender::NewStub(server_->Channel());
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(5));
    v1::FrequentlyBoughtTogetherRequest req;
    for (const auto& i : items) req.add_item_ids(i);
    req.set_limit(limit);
    v1::FrequentlyBoughtTogetherResponse resp;
    grpc::Status s = stub->FrequentlyBoughtTogether(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  static testing::TempDir* tmp_;
  static testing::CommandResult* summary_;
  static testing::ServerProcess* server_;
};
testing::TempDir* OnlineRetailTest::tmp_ = nullptr;
testing::CommandResult* OnlineRetailTest::summary_ = nullptr;
testing::ServerProcess* OnlineRetailTest::server_ = nullptr;

std::vector<std::string> Ids(const v1::FrequentlyBoughtTogetherResponse& r) {
  std::vector<std::string> out;
  for (const auto& i : r.items()) out.push_back(i.item_id());
  return out;
}

TEST_F(OnlineRetailTest, IndexesWithMappingAloneAndCountsReturns) {
  const std::string& out = summary_->out;
  EXPECT_THAT(out, HasSubstr("541,909 data lines"));
  // 9,288 cancellation lines plus a few negative quantities outside 'C' orders.
  EXPECT_THAT(out, HasSubstr("bad       0 lines"));
  EXPECT_THAT(out, ::testing::ContainsRegex("1[0-9],[0-9]{3} return lines"));
  EXPECT_THAT(out, ::testing::ContainsRegex("[23],[0-9]{3} non-product lines"));
}

TEST_F(OnlineRetailTest, RegencyTeacupsGoTogether) {
  // 22697 GREEN REGENCY TEACUP AND SAUCER, 22698 PINK ..., 22699 ROSES ...
  auto green = Ids(Fbt({"22697"}, 3));
  EXPECT_THAT(green, ::testing::IsSupersetOf({"22698", "22699"}));
  auto pink = Ids(Fbt({"22698"}, 3));
  EXPECT_THAT(pink, ::testing::IsSupersetOf({"22697", "22699"}));
  auto roses = Fbt({"22699"}, 3);
  EXPECT_THAT(Ids(roses), ::testing::IsSupersetOf({"22697", "22698"}));
  EXPECT_THAT(roses.items(0).title(), HasSubstr("REGENCY TEACUP"));
  // A cart with two of them asks for the third.
  EXPECT_EQ(Ids(Fbt({"22697", "22698"}, 1)), std::vector<std::string>{"22699"});
}

TEST_F(OnlineRetailTest, SimilarTeacupsAreTheOtherColours) {
  auto stub = v1::Recommender::NewStub(server_->Channel());
  v1::SimilarItemsRequest req;
  req.set_item_id("22697");
  req.set_limit(3);
  grpc::ClientContext ctx;
  v1::RecommendationsResponse resp;
  ASSERT_TRUE(stub->SimilarItems(&ctx, req, &resp).ok());
  std::vector<std::string> got;
  for (const auto& i : resp.items()) got.push_back(i.item_id());
  EXPECT_THAT(got, ::testing::IsSupersetOf({"22698", "22699"}));
  EXPECT_FALSE(resp.fallback());
}

TEST_F(OnlineRetailTest, PicksUpsellAndCrossSellOnRealData) {
  auto stub = v1::Recommender::NewStub(server_->Channel());
  {
    // 12347 re-buys many items: habits fill most of the list (the learned
    // ranker may put an item bought with their last order among them),
    // each explained.
    v1::PersonalPicksRequest req;
    req.set_customer_id("12347");
    req.set_limit(10);
    req.mutable_as_of()->set_seconds(1322697600);  // 2011-12-01
    grpc::ClientContext ctx;
    v1::RecommendationsResponse resp;
    ASSERT_TRUE(stub->PersonalPicks(&ctx, req, &resp).ok());
    ASSERT_EQ(resp.items_size(), 10);
    EXPECT_FALSE(resp.fallback());
    int habits = 0;
    for (const auto& i : resp.items()) {
      EXPECT_FALSE(i.explanation().empty());
      habits += i.reason().code() == v1::BUY_AGAIN ? 1 : 0;
    }
    EXPECT_GE(habits, 6);
  }
  {
    // No category in Online Retail: upsells come from similar items, in the
    // price band around the anchor's (median) price.
    double base = 0;
    const v1::FrequentlyBoughtTogetherResponse fbt = Fbt({"22698"}, 100);
    for (const auto& i : fbt.items()) {
      if (i.item_id() == "22697") base = i.price();
    }
    ASSERT_GT(base, 0);
    v1::UpsellRequest req;
    req.set_item_id("22697");
    grpc::ClientContext ctx;
    v1::RecommendationsResponse resp;
    ASSERT_TRUE(stub->Upsell(&ctx, req, &resp).ok());
    ASSERT_GT(resp.items_size(), 0);
    for (const auto& i : resp.items()) {
      EXPECT_GE(i.price(), 1.05 * base - 1e-9) << i.item_id();
      EXPECT_LE(i.price(), 2.0 * base + 1e-9) << i.item_id();
    }
  }
  {
    // A cart of two teacups: the third colour is a look-alike, but bought
    // with them so strongly (lift > 3) that it is a complement here.
    v1::CrossSellRequest req;
    req.add_item_ids("22697");
    req.add_item_ids("22698");
    req.set_limit(5);
    grpc::ClientContext ctx;
    v1::RecommendationsResponse resp;
    ASSERT_TRUE(stub->CrossSell(&ctx, req, &resp).ok());
    ASSERT_GT(resp.items_size(), 0);
    for (const auto& i : resp.items()) {
      EXPECT_NE(i.item_id(), "22697");
      EXPECT_NE(i.item_id(), "22698");
      EXPECT_EQ(i.reason().code(), v1::CROSS_SELL);
    }
  }
}

TEST_F(OnlineRetailTest, RetentionRpcsOnRealData) {
  auto stub = v1::Recommender::NewStub(server_->Channel());
  {
    // The customer every RFM tutorial on this data shows: 7 orders, 4,310
    // in spend, bought within the last days of the data.
    v1::CustomerProfileRequest req;
    req.set_customer_id("12347");
    req.mutable_as_of()->set_seconds(1323475200);  // 2011-12-10
    grpc::ClientContext ctx;
    v1::CustomerProfile p;
    ASSERT_TRUE(stub->GetCustomerProfile(&ctx, req, &p).ok());
    EXPECT_EQ(p.orders(), 7);
    EXPECT_NEAR(p.revenue(), 4310.0, 0.01);
    EXPECT_NEAR(p.average_order_value(), 4310.0 / 7, 0.01);
    EXPECT_EQ(p.segment(), "champions");
    EXPECT_EQ(p.rfm().recency(), 5);
    EXPECT_EQ(p.rfm().frequency(), 5);
    EXPECT_LT(p.churn_risk(), 0.1);
    EXPECT_GT(p.predicted_ltv_12_months(), 0);
    EXPECT_TRUE(p.model_note().empty()) << p.model_note();
    // 4,310 is above the A cut-off (1,560.38, BENCHMARKS.md); spend in 7
    // of the 13 months Dec 2010 - Dec 2011 (711.79, 475.39, 0, 0, 636.25,
    // 0, 382.52, 0, 584.91, 0, 1294.32, 0, 224.82): CV 1.16, Y.
    EXPECT_EQ(p.abc_class(), "A");
    EXPECT_EQ(p.xyz_class(), "Y");
  }
  {
    v1::BuyAgainRequest req;
    req.set_customer_id("12347");
    req.mutable_as_of()->set_seconds(1320105600);  // 2011-11-01
    req.set_dated_only(true);
    req.mutable_filter()->set_in_stock_only(false);
    grpc::ClientContext ctx;
    v1::BuyAgainResponse resp;
    ASSERT_TRUE(stub->BuyAgain(&ctx, req, &resp).ok());
    EXPECT_TRUE(resp.known_customer());
    ASSERT_EQ(resp.items_size(), 10);
    for (int i = 0; i < resp.items_size(); ++i) {
      const v1::DueItem& d = resp.items(i);
      EXPECT_GT(d.interval_days(), 0) << d.item_id();
      EXPECT_TRUE(d.has_expected_date()) << d.item_id();
      EXPECT_LE(d.last_purchase().seconds(), req.as_of().seconds());
      if (i > 0) {
        EXPECT_LE(d.probability(), resp.items(i - 1).probability());
      }
    }
  }
  {
    // The daily job over every customer.
    v1::DueReplenishmentsRequest req;
    req.mutable_as_of()->set_seconds(1320105600);
    grpc::ClientContext ctx;
    auto reader = stub->DueReplenishments(&ctx, req);
    v1::DueReplenishmentsResponse batch;
    int64_t customers = 0, scanned = 0;
    bool done = false;
    while (reader->Read(&batch)) {
      customers += batch.customers_size();
      scanned = batch.customers_scanned();
      done = batch.done();
      for (const auto& c : batch.customers()) {
        for (const auto& d : c.items()) {
          EXPECT_LE(d.days_until_due(), 7.0 + 1e-6) << c.customer_id();
          EXPECT_GE(d.days_until_due(), -1e-6) << c.customer_id();
        }
      }
    }
    ASSERT_TRUE(reader->Finish().ok());
    EXPECT_TRUE(done);
    EXPECT_EQ(scanned, 4335);
    EXPECT_GT(customers, 300);
  }
}

TEST_F(OnlineRetailTest, NoNonProductIsEverRecommended) {
  // Scan every list in the snapshot, not just a sample of answers.
  auto tables = TableReader::Open(tmp_->Sub("snaps/000001/tables"), 64 << 20);
  ASSERT_TRUE(tables.ok()) << tables.status();
  ItemExclusion exclusion(DefaultExcludedItemPatterns());
  int64_t lists = 0, neighbors = 0;
  absl::Status s = (*tables)->ForEach(
      kFbtTable, [&](absl::string_view key, absl::string_view value) {
        EXPECT_FALSE(exclusion.Excluded(key)) << key;
        v1::FbtList list;
        EXPECT_TRUE(
            list.ParseFromArray(value.data(), static_cast<int>(value.size())));
        ++lists;
        for (const auto& n : list.neighbors()) {
          ++neighbors;
          EXPECT_FALSE(exclusion.Excluded(n.item_id()))
              << n.item_id() << " recommended with " << key;
        }
        return true;
      });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_GT(lists, 3000);
  EXPECT_GT(neighbors, 100000);
  auto post = Fbt({"POST"}, 10);
  EXPECT_TRUE(post.all_items_unknown());
}

}  // namespace
}  // namespace boomerang
