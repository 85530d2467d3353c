// Overload across processes: a boomerang-server with a deliberately small
// admission limit (one worker, one call waiting at most) flooded by
// boomerang-loadgen over gRPC and by concurrent clients over HTTP. The excess
// is refused with RESOURCE_EXHAUSTED (HTTP 429 with Retry-After), the rest is
// answered, no call fails any other way, and /metrics counts the refusals. An
// HTTP connection beyond the waiting limit is answered 503 at once instead of
// waiting behind another client's keep-alive.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>
#include <vector>

#include "boomerang/v1/recommender.grpc.pb.h"
#include "tests/process.h"
#include "tests/test_util.h"

namespace boomerang {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;

class OverloadTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new testing::TempDir();
    const std::string bin = testing::BinDir();
    auto idx = testing::BuildDemoSnapshot(bin, tmp_->path());
    ASSERT_EQ(idx.exit_code, 0) << idx.err;
    auto ids = testing::Run(
        {"/bin/sh", "-c",
         "zcat '" + tmp_->Sub("demo/orders.csv.gz") +
             "' | awk -F, 'NR > 1 && $2 != \"\" {print $2}' | sort -u > '" +
             tmp_->Sub("customers.txt") + "'"},
        tmp_->path());
    ASSERT_EQ(ids.exit_code, 0) << ids.err;
  }
  static void TearDownTestSuite() { delete tmp_; }

  // A server in `dir` with an HTTP port; its HTTP port in `http_port`.
  static std::unique_ptr<testing::ServerProcess> Start(
      const std::string& dir, std::vector<std::string> extra, int* http_port) {
    std::filesystem::create_directories(dir);
    extra.insert(extra.end(), {"--http-port", "0", "--http-port-file",
                               dir + "/http_port", "--poll-seconds", "0"});
    auto server = std::make_unique<testing::ServerProcess>(
        testing::BinDir(), tmp_->Sub("snaps"), dir, extra);
    if (!server->WaitServing()) {
      ADD_FAILURE() << server->Stderr();
      return nullptr;
    }
    *http_port = std::stoi(testing::ReadAll(dir + "/http_port"));
    return server;
  }

  // The value of a /metrics sample line (0 when absent).
  static double Metric(int http_port, const std::string& series) {
    // A server with one HTTP thread and no waiting room sheds a connection
    // that arrives while the thread still closes the previous one: retry.
    auto get = [http_port] {
      httplib::Client client("127.0.0.1", http_port);
      return client.Get("/metrics");
    };
    httplib::Result res = get();
    for (int i = 0; i < 50 && res && res->status == 503; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      res = get();
    }
    if (!res || res->status != 200) {
      ADD_FAILURE() << "GET /metrics failed";
      return 0;
    }
    const std::string prefix = series + " ";
    size_t at = res->body.find("\n" + prefix);
    if (at == std::string::npos) return 0;
    return std::stod(res->body.substr(at + 1 + prefix.size()));
  }

  static testing::TempDir* tmp_;
};
testing::TempDir* OverloadTest::tmp_ = nullptr;

TEST_F(OverloadTest, ExcessCallsAreRefusedFastAndTheRestAnswered) {
  int http_port = 0;
  auto server = Start(tmp_->Sub("small"),
                      {"--workers", "1", "--max-queued", "1"}, &http_port);
  ASSERT_NE(server, nullptr);

  // gRPC: 256 callers without pause against one worker.
  auto load = testing::Run(
      {testing::BinDir() + "/boomerang-loadgen", "--server", server->Address(),
       "--rpc", "picks", "--customers", tmp_->Sub("customers.txt"),
       "--concurrency", "256", "--duration", "2", "--warmup", "0.5",
       "--deadline-ms", "30000", "--json"},
      tmp_->path());
  ASSERT_EQ(load.exit_code, 0) << load.err;
  const json r = json::parse(load.out);
  const int64_t refused = r["errors"].value("RESOURCE_EXHAUSTED", 0);
  EXPECT_GT(refused, 0) << load.out;
  EXPECT_GT(r["ok"].get<int64_t>(), 0) << load.out;
  // Refused or answered: nothing timed out or failed otherwise.
  EXPECT_EQ(r["errors"].size(), refused > 0 ? 1u : 0u) << load.out;
  EXPECT_EQ(r["completed"], r["sent"]) << load.out;
  EXPECT_GE(Metric(http_port,
                   "boomerang_requests_rejected_total{method=\"PersonalPicks\""
                   ",transport=\"grpc\"}"),
            1);

  // HTTP JSON: 16 clients at once; the same admission refuses with 429.
  std::atomic<int> ok{0}, too_many{0}, other{0};
  std::atomic<bool> retry_after{true}, resource_exhausted{true};
  std::vector<std::thread> clients;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (int c = 0; c < 16; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", http_port);
      client.set_read_timeout(std::chrono::seconds(30));
      for (int i = 0; std::chrono::steady_clock::now() < until; ++i) {
        auto res = client.Post(
            "/v1/PersonalPicks",
            json{{"customer_id", "C" + std::to_string(c * 1000 + i)}}.dump(),
            "application/json");
        if (!res) {
          ++other;
        } else if (res->status == 200) {
          ++ok;
        } else if (res->status == 429) {
          ++too_many;
          if (res->get_header_value("Retry-After") != "1") retry_after = false;
          const json body = json::parse(res->body, nullptr, false);
          if (body.is_discarded() ||
              body.value("code", "") != "RESOURCE_EXHAUSTED") {
            resource_exhausted = false;
          }
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_GT(ok.load(), 0);
  EXPECT_GT(too_many.load(), 0);
  EXPECT_EQ(other.load(), 0);
  EXPECT_TRUE(retry_after.load());
  EXPECT_TRUE(resource_exhausted.load());
  EXPECT_GE(Metric(http_port,
                   "boomerang_requests_rejected_total{method=\"PersonalPicks\""
                   ",transport=\"http\"}"),
            1);
  EXPECT_EQ(server->Stop(), 0) << server->Stderr();
}

TEST_F(OverloadTest, AMessageOverTheSizeLimitIsRefused) {
  int http_port = 0;
  auto server = Start(tmp_->Sub("small_messages"),
                      {"--max-message-bytes", "4096"}, &http_port);
  ASSERT_NE(server, nullptr);
  auto stub = v1::Recommender::NewStub(server->Channel());
  auto call = [&stub](int ids) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    v1::FrequentlyBoughtTogetherRequest req;
    for (int i = 0; i < ids; ++i) {
      req.add_item_ids("SKU-" + std::string(40, 'x') + std::to_string(i));
    }
    v1::FrequentlyBoughtTogetherResponse resp;
    return stub->FrequentlyBoughtTogether(&ctx, req, &resp);
  };
  grpc::Status s = call(200);  // ~10 KB
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(s.error_message(), HasSubstr("larger than max"));
  // A request within the limit is answered (here: too many anchors).
  s = call(2);
  EXPECT_NE(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(server->Stop(), 0) << server->Stderr();
}

TEST_F(OverloadTest, AnHttpConnectionBeyondTheWaitingLimitIsAnswered503) {
  int http_port = 0;
  auto server =
      Start(tmp_->Sub("one_thread"),
            {"--http-threads", "1", "--http-max-waiting-connections", "0"},
            &http_port);
  ASSERT_NE(server, nullptr);
  // The only HTTP thread serves this keep-alive connection until it idles
  // out (2 s).
  httplib::Client first("127.0.0.1", http_port);
  first.set_keep_alive(true);
  auto res = first.Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);

  httplib::Client second("127.0.0.1", http_port);
  second.set_read_timeout(std::chrono::seconds(10));
  const auto asked = std::chrono::steady_clock::now();
  res = second.Get("/healthz");
  const auto took = std::chrono::steady_clock::now() - asked;
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->get_header_value("Retry-After"), "1");
  EXPECT_EQ(res->get_header_value("Connection"), "close");
  EXPECT_THAT(res->body, HasSubstr("too many HTTP connections"));
  EXPECT_LT(took, std::chrono::seconds(1)) << "refused at once, not queued";

  // Once the first connection is gone, the thread serves again.
  first.stop();
  bool served = false;
  for (int i = 0; i < 100 && !served; ++i) {
    httplib::Client again("127.0.0.1", http_port);
    res = again.Get("/healthz");
    served = res && res->status == 200;
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(served);
  EXPECT_GE(Metric(http_port,
                   "boomerang_requests_rejected_total{method=\"(connection)\","
                   "transport=\"http\"}"),
            1);
  EXPECT_EQ(server->Stop(), 0) << server->Stderr();
}

}  // namespace
}  // namespace boomerang
