// End to end for the demo shop's live period and `boomerang events`:
// generator -> indexer -> server on 127.0.0.1 (OS-chosen port, an event
// store; the shop's live period ends today) -> `boomerang events push` of
// events.jsonl, twice (the second run is all duplicates) -> a planted cart is
// the customer's live cart in CrossSell, and a removed one is not. Also
// `boomerang events from-purchases` over the demo's orders, pushed the same
// way, and a bad line that stops a push before anything is sent.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "boomerang/v1/recommender.grpc.pb.h"
#include "tests/process.h"
#include "tests/test_util.h"

namespace boomerang {
namespace {

using ::testing::HasSubstr;

int64_t CountLines(const std::string& text) {
  return static_cast<int64_t>(std::count(text.begin(), text.end(), '\n'));
}

class LiveStreamE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new testing::TempDir();
    const std::string bin = testing::BinDir();
    // A smaller shop than the default: the live period plants the same kinds
    // of truths, and the indexer finishes sooner.
    // It ends today: the server keeps a live cart for 30 days before the
    // machine's clock (even under --clock), so a cart from the default
    // 2026-01 would be gone.
    const absl::CivilDay today =
        absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
    auto gen =
        testing::Run({bin + "/boomerang-demo-shop", "--out", tmp_->Sub("demo"),
                      "--customers", "600", "--days", "180", "--start",
                      absl::FormatCivilTime(today - 180 - 14)},
                     tmp_->path());
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
    auto idx = testing::Run(
        {bin + "/boomerang-indexer", "--purchases",
         tmp_->Sub("demo/orders.csv.gz"), "--catalog",
         tmp_->Sub("demo/catalog.csv"), "--out", tmp_->Sub("snaps"), "--quiet"},
        tmp_->path());
    ASSERT_EQ(idx.exit_code, 0) << idx.err;
    truth_ = new nlohmann::json(nlohmann::json::parse(
        testing::ReadAll(tmp_->Sub("demo/triggers_truth.json"))));
    ASSERT_EQ((*truth_)["as_of"], absl::FormatCivilTime(today) + "T00:00:00Z");
    server_ = new testing::ServerProcess(bin, tmp_->Sub("snaps"), tmp_->path(),
                                         {"--events-dir", tmp_->Sub("events")});
    ASSERT_TRUE(server_->WaitServing()) << server_->Stderr();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete truth_;
    delete tmp_;
  }

  // Five days before the orders end.
  static std::string Cutoff() {
    return absl::FormatCivilTime(
        absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) - 14 - 5);
  }

  static testing::CommandResult Cli(std::vector<std::string> args) {
    std::vector<std::string> argv = {testing::BinDir() + "/boomerang",
                                     "--server", server_->Address()};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::Run(argv, tmp_->path());
  }

  // The first truth of `trigger` of this kind.
  static const nlohmann::json& FirstTruth(const std::string& trigger,
                                          const std::string& kind) {
    for (const auto& t : (*truth_)["truths"]) {
      if (t["trigger"] == trigger && t["kind"] == kind) return t;
    }
    ADD_FAILURE() << "no " << trigger << " truth of kind " << kind;
    static const nlohmann::json kNone;
    return kNone;
  }

  static grpc::Status CrossSell(const std::string& customer,
                                const std::vector<std::string>& items,
                                v1::RecommendationsResponse* response) {
    auto stub = v1::Recommender::NewStub(server_->Channel());
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    v1::CrossSellRequest req;
    req.set_customer_id(customer);
    for (const std::string& item : items) req.add_item_ids(item);
    req.set_limit(5);
    return stub->CrossSell(&ctx, req, response);
  }

  static testing::TempDir* tmp_;
  static testing::ServerProcess* server_;
  static nlohmann::json* truth_;
};

testing::TempDir* LiveStreamE2eTest::tmp_ = nullptr;
testing::ServerProcess* LiveStreamE2eTest::server_ = nullptr;
nlohmann::json* LiveStreamE2eTest::truth_ = nullptr;

TEST_F(LiveStreamE2eTest, PushedEventsAreAcknowledgedOnceAndDriveTheCart) {
  const nlohmann::json& cart = FirstTruth("abandoned_cart", "planted");
  const nlohmann::json& removed = FirstTruth("abandoned_cart", "removed");
  const std::string customer = cart["customer_id"];
  const std::vector<std::string> items = cart["items"];
  v1::RecommendationsResponse before, by_customer, by_items;
  // Before the push the customer has no live cart to cross-sell from.
  EXPECT_FALSE(CrossSell(customer, {}, &before).ok() &&
               before.items_size() > 0);

  const std::string events = tmp_->Sub("demo/events.jsonl");
  const int64_t lines = CountLines(testing::ReadAll(events));
  ASSERT_GT(lines, 100);
  auto first = Cli({"events", "push", events, "--batch", "250"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto counts = nlohmann::json::parse(first.out);
  EXPECT_EQ(counts["events"], lines);
  EXPECT_EQ(counts["batches"], (lines + 249) / 250);
  EXPECT_EQ(counts["accepted"], lines);
  EXPECT_EQ(counts["duplicates"], 0);

  // A re-run is safe: everything was stored already.
  auto again = Cli({"events", "push", events});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  counts = nlohmann::json::parse(again.out);
  EXPECT_EQ(counts["accepted"], 0);
  EXPECT_EQ(counts["duplicates"], lines);

  // The planted cart is the customer's live cart: CrossSell for the customer
  // alone answers as for those items.
  ASSERT_TRUE(CrossSell(customer, {}, &by_customer).ok());
  ASSERT_TRUE(CrossSell(customer, items, &by_items).ok());
  ASSERT_GT(by_customer.items_size(), 0);
  ASSERT_EQ(by_customer.items_size(), by_items.items_size());
  for (int i = 0; i < by_customer.items_size(); ++i) {
    EXPECT_EQ(by_customer.items(i).item_id(), by_items.items(i).item_id());
    for (const std::string& item : items)
      EXPECT_NE(by_customer.items(i).item_id(), item);
  }
  // A decoy who removed the item again has an empty cart.
  v1::RecommendationsResponse empty;
  const grpc::Status s = CrossSell(removed["customer_id"], {}, &empty);
  EXPECT_FALSE(s.ok() && empty.items_size() > 0)
      << "the removal was not applied";
}

TEST_F(LiveStreamE2eTest, PurchasesOfAnExportReplayAsEvents) {
  const std::string out = tmp_->Sub("replay.jsonl");
  auto converted =
      Cli({"events", "from-purchases", "--purchases",
           tmp_->Sub("demo/orders.csv.gz"), "--after", Cutoff(), "--out", out});
  ASSERT_EQ(converted.exit_code, 0) << converted.err;
  auto counts = nlohmann::json::parse(converted.out);
  const int64_t events = counts["events"];
  ASSERT_GT(events, 100);
  EXPECT_GT(counts["before_cutoff"].get<int64_t>(), 0);
  EXPECT_GT(counts["guest_lines"].get<int64_t>(), 0);
  EXPECT_EQ(CountLines(testing::ReadAll(out)), events);

  auto pushed = Cli({"events", "push", out});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  EXPECT_EQ(nlohmann::json::parse(pushed.out)["accepted"], events);
  // Converting again gives the same keys: nothing new is stored.
  ASSERT_EQ(
      Cli({"events", "from-purchases", "--purchases",
           tmp_->Sub("demo/orders.csv.gz"), "--after", Cutoff(), "--out", out})
          .exit_code,
      0);
  auto again = Cli({"events", "push", out});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["duplicates"], events);
}

TEST_F(LiveStreamE2eTest, ABadLineIsNamedAndNothingIsSent) {
  const std::string path = tmp_->Sub("bad.jsonl");
  {
    std::ofstream out(path);
    out << R"({"type":"VIEW","customer_id":"C-bad","item_id":"SKU-0001",)"
        << R"("timestamp":"2026-01-10T10:00:00Z","idempotency_key":"bad-1"})"
        << "\n"
        << R"({"type":"VIEW","customer_id":"C-bad","item":"SKU-0002"})"
        << "\n";
  }
  auto bad = Cli({"events", "push", path});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("bad.jsonl:2:"));
  EXPECT_THAT(bad.err, HasSubstr("item"));
  // The good first line was not sent either: pushing it alone stores it.
  {
    std::ofstream out(path);
    out << R"({"type":"VIEW","customer_id":"C-bad","item_id":"SKU-0001",)"
        << R"("timestamp":"2026-01-10T10:00:00Z","idempotency_key":"bad-1"})"
        << "\n";
  }
  auto good = Cli({"events", "push", path});
  ASSERT_EQ(good.exit_code, 0) << good.err;
  EXPECT_EQ(nlohmann::json::parse(good.out)["accepted"], 1);
}

}  // namespace
}  // namespace boomerang
