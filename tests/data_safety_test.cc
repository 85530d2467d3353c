// The indexer's guards against bad input, across processes, as a nightly job
// meets them: a truncated export piped through zcat (with and without
// `set -o pipefail`), numeric garbage lines, and item ids that differ only in
// case (listed, merged on request, and found by either spelling by the
// server).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "boomerang/v1/recommender.grpc.pb.h"
#include "tests/process.h"
#include "tests/test_util.h"

namespace boomerang {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> RootEntries(const std::string& root) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(root)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class DataSafetyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new testing::TempDir();
    auto idx = testing::BuildDemoSnapshot(testing::BinDir(), tmp_->path());
    ASSERT_EQ(idx.exit_code, 0) << idx.err;
  }
  static void TearDownTestSuite() { delete tmp_; }

  // `command` under bash in the suite's directory, with the indexer as
  // $IDX.
  static testing::CommandResult Bash(const std::string& command,
                                     bool pipefail) {
    std::vector<std::string> argv = {"/bin/bash"};
    if (pipefail) argv.insert(argv.end(), {"-o", "pipefail"});
    argv.insert(argv.end(),
                {"-c", "cd " + tmp_->path() + " && IDX=" + testing::BinDir() +
                           "/boomerang-indexer && " + command});
    return testing::Run(argv, tmp_->path());
  }

  static testing::TempDir* tmp_;
};
testing::TempDir* DataSafetyTest::tmp_ = nullptr;

// The README once suggested `zcat orders.csv.gz | boomerang-indexer
// --purchases -`: when the file is cut short, zcat fails after writing what
// it could, and the indexer saw a clean end of input.
TEST_F(DataSafetyTest, ATruncatedExportThroughAPipeIsNotPublished) {
  const std::string root = tmp_->Sub("snaps");
  ASSERT_THAT(RootEntries(root), ElementsAre("000001"));
  const std::string full =
      testing::ReadFileBytes(tmp_->Sub("demo/orders.csv.gz"));
  testing::WriteFile(tmp_->Sub("trunc.csv.gz"),
                     full.substr(0, full.size() / 10));
  const std::string pipe =
      "zcat trunc.csv.gz | $IDX --purchases - --catalog demo/catalog.csv "
      "--out snaps --quiet";

  for (bool pipefail : {true, false}) {
    SCOPED_TRACE(pipefail ? "with pipefail" : "without pipefail");
    auto run = Bash(pipe, pipefail);
    // Refused by the indexer itself, whatever the shell does with zcat's
    // status: exit 1, what shrank and by how much, nothing published.
    EXPECT_EQ(run.exit_code, 1) << run.err;
    EXPECT_THAT(run.err, HasSubstr("unexpected end of file"));  // zcat's
    EXPECT_THAT(run.err, HasSubstr("boomerang-indexer: error: -: the data "
                                   "shrank against snapshot 000001"));
    EXPECT_THAT(run.err, ::testing::ContainsRegex(
                             "orders [0-9,]+ -> [0-9,]+ \\(-[89][0-9]%\\)"));
    EXPECT_THAT(run.err,
                ::testing::ContainsRegex("data span 36[45] -> [0-9]+ days"));
    EXPECT_THAT(run.err, HasSubstr("nothing was published"));
    EXPECT_THAT(run.err, HasSubstr("pass --allow-shrink"));
    EXPECT_TRUE(run.out.empty()) << run.out;
    EXPECT_THAT(RootEntries(root), ElementsAre("000001"));
  }

  // Given the file itself, the indexer's gzip reader sees the truncation.
  auto direct =
      Bash("$IDX --purchases trunc.csv.gz --out snaps --quiet --allow-shrink",
           false);
  EXPECT_EQ(direct.exit_code, 1);
  EXPECT_THAT(direct.err, HasSubstr("trunc.csv.gz: cannot read (unexpected end "
                                    "of file): the file is truncated"));
  EXPECT_THAT(RootEntries(root), ElementsAre("000001"));

  // --allow-shrink publishes what the pipe gave. With pipefail the job
  // still fails on zcat's status (so cron reports it), but the version is
  // out: pipefail tells, the guard prevents.
  auto allowed = Bash(pipe + " --allow-shrink", false);
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
  EXPECT_THAT(allowed.out, HasSubstr("(version 000002)"));
  auto told = Bash(pipe + " --allow-shrink", true);
  EXPECT_NE(told.exit_code, 0);
  EXPECT_THAT(RootEntries(root), ElementsAre("000001", "000002", "000003"));
}

// Every fifth line is numeric garbage: once 0 bad lines and purchases in
// 1970, now bad_timestamp lines that --max-bad-share applies to.
TEST_F(DataSafetyTest, NumericGarbageIsCountedAsBadTimestamps) {
  std::string csv = "order_id,customer_id,item_id,timestamp,quantity,price\n";
  for (int i = 0; i < 100; ++i) {
    if (i % 5 == 4) {
      csv += "1,2,3,4,5,6,7,8,9,10,11\n";
    } else {
      csv += "o" + std::to_string(i / 3) + ",c" + std::to_string(i % 7) +
             ",SKU-" + std::to_string(i % 6) + ",2024-03-" +
             std::to_string(10 + i % 20) + "T10:00:00Z,1,2.50\n";
    }
  }
  testing::WriteFile(tmp_->Sub("garbage.csv"), csv);
  auto refused = Bash(
      "$IDX --purchases garbage.csv --out garbage-snaps --quiet "
      "--no-embeddings",
      false);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("20 of 100 lines (20.0%) are bad"));
  EXPECT_THAT(refused.err, HasSubstr("bad_timestamp 20 (lines 6, 11, 16"));
  EXPECT_THAT(refused.err,
              HasSubstr("garbage.csv:6: field 'timestamp': timestamp '4' is "
                        "1970-01-01T00:00:04Z, before --min-date 1990-01-01"));
  EXPECT_FALSE(fs::exists(tmp_->Sub("garbage-snaps/000001")));

  auto tolerated = Bash(
      "$IDX --purchases garbage.csv --out garbage-snaps --quiet "
      "--no-embeddings --max-bad-share 0.25",
      false);
  EXPECT_EQ(tolerated.exit_code, 0) << tolerated.err;
  EXPECT_THAT(tolerated.out, HasSubstr("bad       20 lines: bad_timestamp 20"));
  EXPECT_THAT(tolerated.out, HasSubstr("data        2024-03-10T10:00:00Z"));

  // An earlier --min-date lets 1970 through again: the flag is the knob.
  auto old_data = Bash(
      "$IDX --purchases garbage.csv --out garbage-old --quiet "
      "--no-embeddings --min-date 1970-01-01",
      false);
  EXPECT_EQ(old_data.exit_code, 0) << old_data.err;
  EXPECT_THAT(old_data.out, HasSubstr("data        1970-01-01T00:00:04Z"));
}

// "85123A" and "85123a" are one product in Online Retail.
TEST_F(DataSafetyTest, IdsDifferingInCaseAreListedMergedAndFoundEitherWay) {
  // Two baskets: 22697 with 85123A (85123a in 3 of 30 orders), and 22698B
  // (22698b once) with 23170.
  std::string csv = "InvoiceNo,StockCode,CustomerID,InvoiceDate,Quantity\n";
  for (int o = 0; o < 40; ++o) {
    const int day = 1 + o % 28;
    const std::string head = std::to_string(536010 + o) + ",";
    const std::string tail = "," + std::to_string(17850 + o % 9) +
                             ".0,2011-01-" + (day < 10 ? "0" : "") +
                             std::to_string(day) + " 08:26,6\n";
    if (o < 30) {
      csv += head + "22697" + tail;
      csv += head + (o % 10 == 0 ? "85123a" : "85123A") + tail;
    } else {
      csv += head + (o == 30 ? "22698b" : "22698B") + tail;
      csv += head + "23170" + tail;
    }
  }
  testing::WriteFile(tmp_->Sub("retail.csv"), csv);
  const std::string index =
      "$IDX --purchases retail.csv --column order_id=InvoiceNo --column "
      "item_id=StockCode --column customer_id=CustomerID --column "
      "timestamp=InvoiceDate --column quantity=Quantity --quiet "
      "--no-embeddings --min-support 1 --out ";
  auto listed = Bash(index + "case-listed", false);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out,
              HasSubstr("case        2 groups of item ids differ only in case "
                        "(--merge-item-case merges each into its most "
                        "frequent spelling): 85123A 27 / 85123a 3; 22698B 9 "
                        "/ 22698b 1\n"));
  EXPECT_THAT(listed.out, HasSubstr("items 6"));

  auto merged = Bash(index + "case-merged --merge-item-case", false);
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_THAT(merged.out, HasSubstr("merged into their most frequent "
                                    "spelling: 85123A 27 / 85123a 3"));
  EXPECT_THAT(merged.out, HasSubstr("items 4"));

  testing::ServerProcess server(testing::BinDir(), tmp_->Sub("case-merged"),
                                tmp_->path(),
                                {"--events-dir", tmp_->Sub("case-events")});
  ASSERT_TRUE(server.WaitServing()) << server.Stderr();
  auto stub = v1::Recommender::NewStub(server.Channel());
  auto fbt = [&](const std::string& item,
                 v1::FrequentlyBoughtTogetherResponse* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    v1::FrequentlyBoughtTogetherRequest req;
    req.add_item_ids(item);
    return stub->FrequentlyBoughtTogether(&ctx, req, resp);
  };
  for (const std::string spelling : {"85123A", "85123a"}) {
    SCOPED_TRACE(spelling);
    v1::FrequentlyBoughtTogetherResponse resp;
    grpc::Status s = fbt(spelling, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_FALSE(resp.all_items_unknown());
    EXPECT_EQ(resp.unknown_item_ids_size(), 0);
    ASSERT_GE(resp.items_size(), 1);
    EXPECT_EQ(resp.items(0).item_id(), "22697");
    for (const auto& item : resp.items()) {
      EXPECT_THAT(item.item_id(), Not(HasSubstr("85123")));
    }
  }
  // 22697's partner is the kept spelling, never the alias.
  v1::FrequentlyBoughtTogetherResponse resp;
  ASSERT_TRUE(fbt("22697", &resp).ok());
  ASSERT_GE(resp.items_size(), 1);
  EXPECT_EQ(resp.items(0).item_id(), "85123A");
  for (const auto& item : resp.items()) EXPECT_NE(item.item_id(), "85123a");

  // A live purchase under the other spelling joins the same history.
  {
    v1::RecordEventsRequest rec;
    v1::Event* e = rec.add_events();
    e->set_type(v1::Event::PURCHASE);
    e->set_customer_id("17850.0");
    e->set_item_id("85123a");
    e->mutable_timestamp()->set_seconds(1297760400);  // 2011-02-15 09:00
    e->set_idempotency_key("live-85123a");
    v1::RecordEventsResponse ack;
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub->RecordEvents(&ctx, rec, &ack).ok());
    v1::BuyAgainRequest req;
    req.set_customer_id("17850");
    req.mutable_as_of()->set_seconds(1297846800);  // a day later
    req.set_include_lapsed(true);
    req.mutable_filter()->set_in_stock_only(false);
    v1::BuyAgainResponse again;
    grpc::ClientContext ctx2;
    ASSERT_TRUE(stub->BuyAgain(&ctx2, req, &again).ok());
    int entries = 0;
    for (const auto& item : again.items()) {
      EXPECT_NE(item.item_id(), "85123a");
      if (item.item_id() == "85123A") {
        ++entries;
        EXPECT_EQ(item.orders(), 5);  // orders 0, 9, 18, 27 and the live one
      }
    }
    EXPECT_EQ(entries, 1);
  }

  // Without merging, each spelling is an item of its own.
  fs::create_directories(tmp_->Sub("unmerged-server"));
  testing::ServerProcess unmerged(testing::BinDir(), tmp_->Sub("case-listed"),
                                  tmp_->Sub("unmerged-server"));
  ASSERT_TRUE(unmerged.WaitServing()) << unmerged.Stderr();
  auto unmerged_stub = v1::Recommender::NewStub(unmerged.Channel());
  grpc::ClientContext ctx;
  v1::FrequentlyBoughtTogetherRequest req;
  req.add_item_ids("22697");
  resp.Clear();
  ASSERT_TRUE(unmerged_stub->FrequentlyBoughtTogether(&ctx, req, &resp).ok());
  std::vector<std::string> ids;
  for (const auto& item : resp.items()) ids.push_back(item.item_id());
  EXPECT_THAT(ids, ::testing::Contains("85123a"));
}

}  // namespace
}  // namespace boomerang
