// Hot snapshot swap across processes: the indexer publishes new versions
// while boomerang-server (127.0.0.1, OS-chosen port) serves; requests keep
// succeeding, a broken version is refused with the reason, an operator can
// pin a version (rollback) and unpin, and polling finds new versions alone.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "boomerang/v1/admin.grpc.pb.h"
#include "boomerang/v1/recommender.grpc.pb.h"
#include "tests/process.h"
#include "tests/test_util.h"

namespace boomerang {
namespace {

using ::testing::HasSubstr;

class HotSwapTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shop_ = new testing::TempDir();
    auto gen = testing::Run({testing::BinDir() + "/boomerang-demo-shop",
                             "--out", shop_->Sub("demo")},
                            shop_->path());
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
  }
  static void TearDownTestSuite() { delete shop_; }

  // Publishes the next version under `root`.
  static void Index(const std::string& root) {
    auto idx = testing::Run({testing::BinDir() + "/boomerang-indexer",
                             "--purchases", shop_->Sub("demo/orders.csv.gz"),
                             "--catalog", shop_->Sub("demo/catalog.csv"),
                             "--out", root, "--quiet", "--no-embeddings"},
                            shop_->path());
    ASSERT_EQ(idx.exit_code, 0) << idx.err;
  }

  // A copy of version `from` published as `to` with one table file
  // damaged: complete (it has a manifest) but broken.
  static void PublishBroken(const std::string& root, const std::string& from,
                            const std::string& to) {
    namespace fs = std::filesystem;
    const fs::path tmp = fs::path(root) / ".tmp-broken";
    fs::copy(fs::path(root) / from, tmp, fs::copy_options::recursive);
    for (const auto& e : fs::directory_iterator(tmp / "tables")) {
      if (e.path().extension() != ".sst") continue;
      std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(64);
      f.write("BROKEN", 6);
      break;
    }
    fs::rename(tmp, fs::path(root) / to);
  }

  static std::string ServingVersion(testing::ServerProcess& server) {
    auto stub = v1::Recommender::NewStub(server.Channel());
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(5));
    v1::FrequentlyBoughtTogetherRequest req;
    req.add_item_ids("SKU-0001");
    v1::FrequentlyBoughtTogetherResponse resp;
    grpc::Status s = stub->FrequentlyBoughtTogether(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.snapshot_version();
  }

  static grpc::Status Admin(testing::ServerProcess& server,
                            const std::string& action, int64_t version,
                            v1::ServerStatus* status) {
    auto stub = v1::Admin::NewStub(server.Channel());
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(60));
    if (action == "reload") {
      return stub->Reload(&ctx, v1::ReloadRequest(), status);
    }
    if (action == "pin") {
      v1::PinRequest req;
      req.set_version(version);
      return stub->Pin(&ctx, req, status);
    }
    return stub->GetStatus(&ctx, v1::GetStatusRequest(), status);
  }

  static testing::TempDir* shop_;
};
testing::TempDir* HotSwapTest::shop_ = nullptr;

TEST_F(HotSwapTest, ReloadSwapsWithoutAFailedRequest) {
  testing::TempDir tmp;
  const std::string root = tmp.Sub("snaps");
  Index(root);
  testing::ServerProcess server(testing::BinDir(), root, tmp.path(),
                                {"--poll-seconds", "0"});
  ASSERT_TRUE(server.WaitServing()) << server.Stderr();
  EXPECT_EQ(ServingVersion(server), "000001");

  // Requests run all along, from two threads.
  std::atomic<bool> stop{false};
  std::atomic<int64_t> ok{0}, failed{0};
  std::string first_error;
  std::vector<std::thread> clients;
  for (int t = 0; t < 2; ++t) {
    clients.emplace_back([&, t] {
      auto stub = v1::Recommender::NewStub(server.Channel());
      while (!stop.load()) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(5));
        v1::FrequentlyBoughtTogetherRequest req;
        req.add_item_ids(t == 0 ? "SKU-0001" : "SKU-0002");
        v1::FrequentlyBoughtTogetherResponse resp;
        grpc::Status s = stub->FrequentlyBoughtTogether(&ctx, req, &resp);
        if (s.ok()) {
          ++ok;
        } else if (failed++ == 0) {
          first_error = s.error_message();
        }
      }
    });
  }
  for (int round = 2; round <= 4; ++round) {
    Index(root);
    v1::ServerStatus status;
    grpc::Status s = Admin(server, "reload", 0, &status);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(status.serving_version(), absl::StrCat("00000", round));
    EXPECT_EQ(status.swaps(), round - 1);
  }
  stop = true;
  for (auto& c : clients) c.join();
  EXPECT_EQ(failed.load(), 0) << first_error;
  EXPECT_GT(ok.load(), 0);
  EXPECT_EQ(ServingVersion(server), "000004");
  EXPECT_THAT(server.Stderr(), HasSubstr("swapped in snapshot 000004"));
}

TEST_F(HotSwapTest, BrokenVersionIsRefusedAndTheOldOneKeepsServing) {
  testing::TempDir tmp;
  const std::string root = tmp.Sub("snaps");
  Index(root);
  testing::ServerProcess server(testing::BinDir(), root, tmp.path(),
                                {"--poll-seconds", "0"});
  ASSERT_TRUE(server.WaitServing()) << server.Stderr();
  PublishBroken(root, "000001", "000002");

  v1::ServerStatus status;
  grpc::Status s = Admin(server, "reload", 0, &status);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("000002"));
  EXPECT_THAT(s.error_message(), HasSubstr("corrupt"));
  ASSERT_TRUE(Admin(server, "status", 0, &status).ok());
  EXPECT_EQ(status.serving_version(), "000001");
  EXPECT_EQ(status.newest_version(), "000002");
  EXPECT_EQ(status.last_error_version(), "000002");
  EXPECT_THAT(status.last_error(), HasSubstr(".sst"));
  EXPECT_EQ(status.failed_loads(), 1);
  EXPECT_EQ(ServingVersion(server), "000001");
  EXPECT_THAT(server.Stderr(),
              HasSubstr("snapshot 000002 failed to load, still serving "
                        "000001"));

  // A good version after the broken one is taken.
  Index(root);
  s = Admin(server, "reload", 0, &status);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(status.serving_version(), "000003");
  EXPECT_TRUE(status.last_error().empty()) << status.last_error();
}

TEST_F(HotSwapTest, PinRollsBackAndUnpinFollowsTheNewest) {
  testing::TempDir tmp;
  const std::string root = tmp.Sub("snaps");
  Index(root);
  Index(root);
  testing::ServerProcess server(testing::BinDir(), root, tmp.path(),
                                {"--poll-seconds", "0.1"});
  ASSERT_TRUE(server.WaitServing()) << server.Stderr();
  EXPECT_EQ(ServingVersion(server), "000002");

  v1::ServerStatus status;
  grpc::Status s = Admin(server, "pin", 1, &status);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(status.pinned_version(), 1);
  EXPECT_EQ(ServingVersion(server), "000001");
  // Pinned: a new version does not move it, even after polls.
  Index(root);
  ASSERT_TRUE(Admin(server, "reload", 0, &status).ok());
  EXPECT_EQ(ServingVersion(server), "000001");

  s = Admin(server, "pin", 9, &status);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.pinned_version(), 1);
  EXPECT_EQ(ServingVersion(server), "000001");

  ASSERT_TRUE(Admin(server, "pin", 0, &status).ok());
  EXPECT_EQ(status.pinned_version(), 0);
  EXPECT_EQ(ServingVersion(server), "000003");
}

TEST_F(HotSwapTest, PollingFindsANewVersionAlone) {
  testing::TempDir tmp;
  const std::string root = tmp.Sub("snaps");
  Index(root);
  testing::ServerProcess server(testing::BinDir(), root, tmp.path(),
                                {"--poll-seconds", "0.2"});
  ASSERT_TRUE(server.WaitServing()) << server.Stderr();
  Index(root);
  // Bounded wait on the server's own status, not a fixed sleep.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::string serving;
  while (std::chrono::steady_clock::now() < deadline) {
    serving = ServingVersion(server);
    if (serving == "000002") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(serving, "000002") << server.Stderr();
  v1::ServerStatus status;
  ASSERT_TRUE(Admin(server, "status", 0, &status).ok());
  EXPECT_EQ(status.swaps(), 1);
}

TEST_F(HotSwapTest, IndexerKilledAtRandomPointsNeverDisturbsServing) {
  testing::TempDir tmp;
  const std::string root = tmp.Sub("snaps");
  Index(root);
  testing::ServerProcess server(testing::BinDir(), root, tmp.path(),
                                {"--poll-seconds", "0.05"});
  ASSERT_TRUE(server.WaitServing()) << server.Stderr();
  // Kill -9 the indexer at pseudo-random moments of its run (fixed seed),
  // while the server polls the root every 50 ms: it must never see, try or
  // serve a half-written version. Kill points are fractions of a measured
  // run; a run that still finishes first publishes a complete version,
  // which the server may then serve: that is fine, a half one is not.
  const auto t0 = std::chrono::steady_clock::now();
  Index(root);  // 000002: also the run to measure
  const double run_ms = std::chrono::duration<double, std::milli>(
                            std::chrono::steady_clock::now() - t0)
                            .count();
  std::mt19937 rng(20261122);
  std::uniform_real_distribution<double> fraction(0.02, 0.8);
  int killed = 0;
  for (int round = 0; round < 8; ++round) {
    pid_t pid = testing::Spawn(
        {testing::BinDir() + "/boomerang-indexer", "--purchases",
         shop_->Sub("demo/orders.csv.gz"), "--catalog",
         shop_->Sub("demo/catalog.csv"), "--out", root, "--quiet"},
        tmp.Sub("run.out"), tmp.Sub("run.err"));
    std::this_thread::sleep_for(std::chrono::microseconds(
        static_cast<int64_t>(fraction(rng) * run_ms * 1000)));
    ::kill(pid, SIGKILL);
    killed += testing::WaitExit(pid) == 128 + SIGKILL;
    v1::ServerStatus status;
    ASSERT_TRUE(Admin(server, "status", 0, &status).ok());
    EXPECT_EQ(status.failed_loads(), 0)
        << "round " << round << ": " << status.last_error();
  }
  EXPECT_GE(killed, 4) << "runs finished before they could be killed";
  // Every version the server could see is complete: it ends up serving the
  // newest, having never failed to load one.
  v1::ServerStatus status;
  const auto settle =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  do {
    ASSERT_TRUE(Admin(server, "status", 0, &status).ok());
    if (status.serving_version() == status.newest_version()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < settle);
  EXPECT_EQ(status.serving_version(), status.newest_version());
  EXPECT_EQ(status.failed_loads(), 0) << status.last_error();
  EXPECT_EQ(ServingVersion(server), status.serving_version());
}

}  // namespace
}  // namespace boomerang
