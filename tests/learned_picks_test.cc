// The learned picks ranker end to end on the demo shop (issue 12): the
// indexer trains it and versions it in the snapshot (same input, same
// model), the server ranks PersonalPicks with it and names a reason for
// each item, and a snapshot without one (`--no-ranker`, as every snapshot
// made before issue 12) still serves.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "boomerang/v1/recommender.grpc.pb.h"
#include "tests/process.h"
#include "tests/test_util.h"

namespace boomerang {
namespace {

using ::testing::HasSubstr;

class LearnedPicksTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new testing::TempDir();
    const std::string bin = testing::BinDir();
    auto idx = testing::BuildDemoSnapshot(bin, tmp_->path());
    ASSERT_EQ(idx.exit_code, 0) << idx.err;
    for (const char* root : {"again", "plain"}) {
      std::vector<std::string> args = {bin + "/boomerang-indexer",
                                       "--purchases",
                                       tmp_->Sub("demo/orders.csv.gz"),
                                       "--catalog",
                                       tmp_->Sub("demo/catalog.csv"),
                                       "--out",
                                       tmp_->Sub(std::string("snaps-") + root)};
      if (std::string(root) == "plain") args.push_back("--no-ranker");
      auto r = testing::Run(args, tmp_->path());
      ASSERT_EQ(r.exit_code, 0) << r.err;
      (std::string(root) == "plain" ? plain_summary_ : again_summary_) =
          new std::string(r.out);
    }
  }
  static void TearDownTestSuite() {
    delete plain_summary_;
    delete again_summary_;
    delete tmp_;
  }

  // PersonalPicks from a server on `root`, for customers who bought the
  // demo shop's planted cycles.
  static std::vector<v1::RecommendationsResponse> Picks(
      const std::string& root, const std::vector<std::string>& flags = {},
      v1::PersonalPicksRequest::Mode mode = v1::PersonalPicksRequest::MIXED,
      int limit = 10) {
    testing::ServerProcess server(testing::BinDir(), root, tmp_->path(), flags);
    EXPECT_TRUE(server.WaitServing()) << server.Stderr();
    auto truth =
        nlohmann::json::parse(testing::ReadAll(tmp_->Sub("demo/truth.json")));
    auto stub = v1::Recommender::NewStub(server.Channel());
    std::set<std::string> asked;
    std::vector<v1::RecommendationsResponse> out;
    for (const auto& cycle : truth["cycles"]) {
      const std::string customer = cycle["customer_id"];
      if (!asked.insert(customer).second) continue;
      if (asked.size() > 40) break;
      v1::PersonalPicksRequest req;
      req.set_customer_id(customer);
      req.set_limit(limit);
      req.set_mode(mode);
      grpc::ClientContext ctx;
      v1::RecommendationsResponse resp;
      grpc::Status s = stub->PersonalPicks(&ctx, req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      out.push_back(resp);
    }
    return out;
  }

  // BuyAgain for the same customers as Picks().
  static std::vector<v1::BuyAgainResponse> BuyAgain(const std::string& root,
                                                    bool include_lapsed,
                                                    int limit) {
    testing::ServerProcess server(testing::BinDir(), root, tmp_->path());
    EXPECT_TRUE(server.WaitServing()) << server.Stderr();
    auto truth =
        nlohmann::json::parse(testing::ReadAll(tmp_->Sub("demo/truth.json")));
    auto stub = v1::Recommender::NewStub(server.Channel());
    std::set<std::string> asked;
    std::vector<v1::BuyAgainResponse> out;
    for (const auto& cycle : truth["cycles"]) {
      const std::string customer = cycle["customer_id"];
      if (!asked.insert(customer).second) continue;
      if (asked.size() > 40) break;
      v1::BuyAgainRequest req;
      req.set_customer_id(customer);
      req.set_limit(limit);
      req.set_include_lapsed(include_lapsed);
      grpc::ClientContext ctx;
      v1::BuyAgainResponse resp;
      grpc::Status s = stub->BuyAgain(&ctx, req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      out.push_back(resp);
    }
    return out;
  }

  static testing::TempDir* tmp_;
  static std::string* plain_summary_;
  static std::string* again_summary_;
};
testing::TempDir* LearnedPicksTest::tmp_ = nullptr;
std::string* LearnedPicksTest::plain_summary_ = nullptr;
std::string* LearnedPicksTest::again_summary_ = nullptr;

TEST_F(LearnedPicksTest, TheIndexerTrainsAndVersionsTheRanker) {
  const std::string model = tmp_->Sub("snaps/000001/picks_ranker.ubj");
  ASSERT_TRUE(std::filesystem::exists(model));
  EXPECT_GT(std::filesystem::file_size(model), 1000u);
  // Same input, same seed: the same model, byte for byte.
  EXPECT_EQ(testing::ReadAll(model),
            testing::ReadAll(tmp_->Sub("snaps-again/000001/picks_ranker.ubj")));
  auto manifest = nlohmann::json::parse(
      testing::ReadAll(tmp_->Sub("snaps/000001/manifest.json")));
  ASSERT_TRUE(manifest.contains("picks_ranker")) << manifest.dump();
  const auto& info = manifest["picks_ranker"];
  EXPECT_GT(std::stoll(info["customers"].get<std::string>()), 100);
  EXPECT_GT(std::stoll(info["positives"].get<std::string>()), 100);
  EXPECT_EQ(info["features"].size(), 33u);  // kNumPicksFeatures
  // The manifest's checksums cover the model like every other file.
  bool listed = false;
  for (const auto& f : manifest["files"]) {
    listed |= f["path"] == "picks_ranker.ubj";
  }
  EXPECT_TRUE(listed);
  EXPECT_THAT(*again_summary_, HasSubstr("picks ranker trained on"));
}

TEST_F(LearnedPicksTest, LearnedPicksExplainEveryItem) {
  int items = 0, buy_again = 0, other = 0;
  for (const auto& resp : Picks(tmp_->Sub("snaps"))) {
    EXPECT_FALSE(resp.fallback());
    for (const auto& item : resp.items()) {
      ++items;
      EXPECT_FALSE(item.explanation().empty()) << item.item_id();
      EXPECT_NE(item.reason().code(), v1::REASON_UNSPECIFIED);
      EXPECT_GE(item.score(), 0);
      EXPECT_LE(item.score(), 1);  // a probability
      if (item.reason().code() == v1::BUY_AGAIN) {
        ++buy_again;
      } else {
        ++other;
        if (item.reason().code() == v1::BOUGHT_TOGETHER) {
          EXPECT_THAT(item.explanation(), HasSubstr("often bought with "));
          EXPECT_FALSE(item.reason().anchor_item_id().empty());
        }
      }
    }
  }
  EXPECT_EQ(items, 400);
  // Habits and new items both make the lists.
  EXPECT_GT(buy_again, 40);
  EXPECT_GT(other, 20);
}

// BuyAgain's order comes from the ranker when the snapshot has one; its
// rules (which items, their timing and explanations) stay BuyAgain's.
TEST_F(LearnedPicksTest, BuyAgainIsOrderedByTheRanker) {
  const auto learned = BuyAgain(tmp_->Sub("snaps"), false, 10);
  const auto plain_all = BuyAgain(tmp_->Sub("snaps-plain"), false, 100);
  ASSERT_EQ(learned.size(), plain_all.size());
  int reordered = 0;
  for (size_t c = 0; c < learned.size(); ++c) {
    std::vector<std::string> got, before;
    for (const auto& item : learned[c].items()) {
      got.push_back(item.item_id());
      EXPECT_FALSE(item.explanation().empty());
    }
    for (const auto& item : plain_all[c].items()) {
      before.push_back(item.item_id());
    }
    EXPECT_EQ(got.size(), std::min<size_t>(10, before.size()));
    for (const std::string& id : got) {  // only items BuyAgain would list
      EXPECT_NE(std::find(before.begin(), before.end(), id), before.end())
          << id;
    }
    before.resize(std::min(before.size(), got.size()));
    reordered += got != before;
  }
  EXPECT_GT(reordered, 5);
  // include_lapsed asks for the timing model's own list: no ranker.
  const auto timed = BuyAgain(tmp_->Sub("snaps"), true, 10);
  const auto timed_plain = BuyAgain(tmp_->Sub("snaps-plain"), true, 10);
  ASSERT_EQ(timed.size(), timed_plain.size());
  for (size_t c = 0; c < timed.size(); ++c) {
    ASSERT_EQ(timed[c].items_size(), timed_plain[c].items_size());
    for (int k = 0; k < timed[c].items_size(); ++k) {
      EXPECT_EQ(timed[c].items(k).item_id(), timed_plain[c].items(k).item_id());
      EXPECT_EQ(timed[c].items(k).explanation(),
                timed_plain[c].items(k).explanation());
    }
  }
}

// New items only, or a long list: the learned ranker scores enough
// candidates to fill it (the ALS neighbours it was trained on are mostly
// items the customer bought).
TEST_F(LearnedPicksTest, ListsOfNewItemsFill) {
  const auto all =
      Picks(tmp_->Sub("snaps"), {}, v1::PersonalPicksRequest::NEW_ONLY, 30);
  ASSERT_FALSE(all.empty());
  for (const auto& resp : all) {
    EXPECT_EQ(resp.items_size(), 30);
    for (const auto& item : resp.items()) {
      EXPECT_NE(item.reason().code(), v1::BUY_AGAIN) << item.item_id();
    }
  }
  for (const auto& resp :
       Picks(tmp_->Sub("snaps"), {}, v1::PersonalPicksRequest::MIXED, 60)) {
    EXPECT_EQ(resp.items_size(), 60);
  }
}

// Hand-weighted ranking, as without a ranker: reasons of that ranking only.
void ExpectHandWeighted(const std::vector<v1::RecommendationsResponse>& all) {
  int items = 0;
  for (const auto& resp : all) {
    for (const auto& item : resp.items()) {
      ++items;
      EXPECT_FALSE(item.explanation().empty());
      EXPECT_TRUE(item.reason().code() == v1::BUY_AGAIN ||
                  item.reason().code() == v1::BECAUSE_YOU_BOUGHT)
          << item.reason().code();
    }
  }
  EXPECT_EQ(items, 400);
}

// A shop that needs the old batch speed can turn the ranker off.
TEST_F(LearnedPicksTest, TheServerCanRankByHandSetWeights) {
  ExpectHandWeighted(Picks(tmp_->Sub("snaps"), {"--picks-ranker", "weights"}));
}

TEST_F(LearnedPicksTest, ASnapshotWithoutARankerStillServes) {
  EXPECT_FALSE(std::filesystem::exists(
      tmp_->Sub("snaps-plain/000001/picks_ranker.ubj")));
  EXPECT_THAT(*plain_summary_, ::testing::Not(HasSubstr("ranker      ")));
  auto manifest = nlohmann::json::parse(
      testing::ReadAll(tmp_->Sub("snaps-plain/000001/manifest.json")));
  EXPECT_FALSE(manifest.contains("picks_ranker"));
  // The hand-weighted ranking gives no co-purchase or best-seller reasons
  // for personal picks.
  ExpectHandWeighted(Picks(tmp_->Sub("snaps-plain")));
}

}  // namespace
}  // namespace boomerang
