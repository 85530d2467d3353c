// The live catalog end to end, through the built binaries as a shop runs
// them: `boomerang catalog set/push` and POST /v1/UpdateItems change the
// next answer, bad input is refused naming the field, a read token may not
// write, the change survives a server restart, and the next
// `boomerang-indexer --events` run takes it (the item's price and its price
// history in the new snapshot).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "boomerang/v1/snapshot.pb.h"
#include "models/snapshot/internal/tables.h"
#include "models/snapshot/layout.h"
#include "models/snapshot/snapshot.h"
#include "tests/process.h"
#include "tests/test_util.h"

namespace boomerang {
namespace {

using ::nlohmann::json;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Ids(const json& answer) {
  std::vector<std::string> ids;
  if (answer.contains("items")) {
    for (const json& i : answer["items"]) ids.push_back(i["item_id"]);
  }
  return ids;
}

class CatalogE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bin_ = testing::BinDir();
    std::string csv = "order_id,customer_id,item_id,timestamp\n";
    for (int o = 0; o < 40; ++o) {
      const std::string id = "o" + std::to_string(o);
      const std::string c = ",c" + std::to_string(o % 10) + ",";
      csv += id + c + "CUP,2024-01-01\n";
      if (o % 4 != 3) csv += id + c + "SAUCER,2024-01-01\n";
      if (o % 5 == 0) csv += id + c + "MUG,2024-01-01\n";
    }
    for (int o = 40; o < 80; ++o) {
      csv += "o" + std::to_string(o) + ",g1,HOSE,2024-01-01\n";
    }
    testing::WriteFile(tmp_.Sub("orders.csv"), csv);
    testing::WriteFile(tmp_.Sub("catalog.csv"),
                       "item_id,title,category,price,in_stock\n"
                       "CUP,Porcelain tea cup,Kitchen,6,1\n"
                       "SAUCER,Porcelain tea saucer,Kitchen,4,1\n"
                       "MUG,Blue coffee mug,Kitchen,8,1\n"
                       "HOSE,Garden hose,Garden,15,1\n");
    // The catalog as of the data: the tests' updates come after it.
    auto r = Index({});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    testing::WriteFile(tmp_.Sub("read"), "catalog-read-token-0123456789\n");
    testing::WriteFile(tmp_.Sub("write"), "catalog-write-token-0123456789\n");
  }

  testing::CommandResult Index(std::vector<std::string> extra) {
    std::vector<std::string> argv = {bin_ + "/boomerang-indexer",
                                     "--purchases",
                                     tmp_.Sub("orders.csv"),
                                     "--catalog",
                                     tmp_.Sub("catalog.csv"),
                                     "--catalog-time",
                                     "2024-01-02",
                                     "--out",
                                     tmp_.Sub("snaps"),
                                     "--quiet",
                                     "--no-ranker"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return testing::Run(argv, tmp_.path());
  }

  void StartServer() {
    std::filesystem::create_directories(tmp_.Sub("server"));
    server_ = std::make_unique<testing::ServerProcess>(
        bin_, tmp_.Sub("snaps"), tmp_.Sub("server"),
        std::vector<std::string>{"--events-dir", tmp_.Sub("events"),
                                 "--http-port", "0", "--http-port-file",
                                 tmp_.Sub("server/http_port"), "--poll-seconds",
                                 "0", "--read-tokens-file", tmp_.Sub("read"),
                                 "--write-tokens-file", tmp_.Sub("write")});
    ASSERT_TRUE(server_->WaitServing()) << server_->Stderr();
    http_port_ = std::stoi(testing::ReadAll(tmp_.Sub("server/http_port")));
  }

  // The CLI with the write token (or `token`); its answer as JSON.
  testing::CommandResult Cli(std::vector<std::string> args,
                             const std::string& token = "write") {
    std::vector<std::string> argv = {bin_ + "/boomerang", "--server",
                                     server_->Address(), "--token-file",
                                     tmp_.Sub(token)};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::Run(argv, tmp_.path());
  }
  std::vector<std::string> Fbt(const std::string& item) {
    auto r = Cli({"fbt", "--item", item});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Ids(json::parse(r.out, nullptr, false));
  }
  // POST /v1/{method}; status and parsed body.
  std::pair<int, json> Post(
      const std::string& method, const std::string& body,
      const std::string& token = "catalog-write-token-0123456789") {
    httplib::Client client("127.0.0.1", http_port_);
    client.set_read_timeout(std::chrono::seconds(10));
    auto res =
        client.Post("/v1/" + method, {{"Authorization", "Bearer " + token}},
                    body, "application/json");
    if (!res) return {0, json()};
    return {res->status, json::parse(res->body, nullptr, false)};
  }

  std::string bin_;
  testing::TempDir tmp_;
  std::unique_ptr<testing::ServerProcess> server_;
  int http_port_ = 0;
};

TEST_F(CatalogE2eTest, ChangesShowAtOnceSurviveRestartsAndReachTheRebuild) {
  StartServer();
  ASSERT_THAT(Fbt("CUP"), Contains("SAUCER"));

  // Sold out from the CLI: gone from the next answer.
  auto r = Cli({"catalog", "set", "--item", "SAUCER", "--in-stock", "false"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["accepted"], 1);
  EXPECT_THAT(Fbt("CUP"), Not(Contains("SAUCER")));

  // Bad input names the update and the field; nothing is stored.
  r = Cli({"catalog", "set", "--item", "CUP", "--price", "-1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("INVALID_ARGUMENT"));
  EXPECT_THAT(r.err, HasSubstr("items[0].price"));
  // A read token may not write.
  r = Cli({"catalog", "set", "--item", "CUP", "--price", "5"}, "read");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("PERMISSION_DENIED"));

  // A new item over HTTP: among its name-alike's look-alikes at once.
  auto [status, answer] =
      Post("UpdateItems",
           R"({"items":[{"item_id":"NEWCUP","title":"Porcelain espresso cup",)"
           R"("category":"Kitchen","price":9}]})");
  ASSERT_EQ(status, 200) << answer.dump();
  EXPECT_EQ(answer["new_item_ids"], json::array({"NEWCUP"}));
  auto similar = Post("SimilarItems", R"({"item_id":"CUP","limit":20})");
  EXPECT_THAT(Ids(similar.second), Contains("NEWCUP"));
  EXPECT_EQ(
      Post("UpdateItems", R"({"items":[{"item_id":"","price":1}]})").first,
      400);

  // A catalog file: MUG's price changes.
  testing::WriteFile(tmp_.Sub("push.csv"),
                     "item_id,price,in_stock\nMUG,11,1\n");
  r = Cli({"catalog", "push", tmp_.Sub("push.csv")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["accepted"], 1);

  // Restarted (killed: no clean shutdown), the server replays the log.
  server_->Kill();
  StartServer();
  EXPECT_THAT(Fbt("CUP"), Not(Contains("SAUCER")));
  httplib::Client client("127.0.0.1", http_port_);
  auto page =
      client.Get("/v1/demo-defaults?item_id=MUG",
                 {{"Authorization", "Bearer catalog-read-token-0123456789"}});
  ASSERT_TRUE(page);
  json defaults = json::parse(page->body, nullptr, false);
  EXPECT_EQ(defaults["item"]["price"], 11) << page->body;
  server_->Stop();

  // The next rebuild takes the three updates, counted once.
  r = Index({"--events", tmp_.Sub("events")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto dir = Snapshot::FindNewest(tmp_.Sub("snaps"));
  ASSERT_TRUE(dir.ok());
  auto snap = Snapshot::Open(*dir, SnapshotOptions());
  ASSERT_TRUE(snap.ok()) << snap.status();
  EXPECT_EQ((*snap)->manifest().catalog_updates(), 3);
  const int32_t mug = (*snap)->FindItem("MUG");
  ASSERT_GE(mug, 0);
  EXPECT_EQ((*snap)->item(mug).price(), 11);
  auto history = (*snap)->PriceHistory(mug);
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(history.back().to_price(), 11);
  EXPECT_EQ(history.back().source(), "update");
  EXPECT_FALSE((*snap)->item((*snap)->FindItem("SAUCER")).in_stock());
  ASSERT_GE((*snap)->FindItem("NEWCUP"), 0);
  EXPECT_EQ((*snap)->item((*snap)->FindItem("CUP")).orders(), 40);
}

}  // namespace
}  // namespace boomerang
