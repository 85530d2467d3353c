// Replicas (issue 15), as processes on loopback: 3 NATS nodes as one
// JetStream cluster, 3 boomerang-server replicas sharing live events through
// it, HAProxy in front.
//   - an event recorded through one replica is read back from it at once
//     and shows on the others; a retry through another replica is a
//     duplicate; the HTTP side door through HAProxy records too;
//   - under load through HAProxy, kill -9 of one NATS node and one replica
//     loses no acknowledged event, fails fewer than 0.1% of calls, and the
//     killed replica catches up after its restart;
//   - with every NATS node down, RecordEvents says UNAVAILABLE, reads are
//     served, and nothing acknowledged is lost when NATS comes back.
#include <gtest/gtest.h>
#include <httplib.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "tests/process.h"
#include "tests/replica_cluster.h"
#include "tests/test_util.h"

namespace boomerang {
namespace {

using testing::ReplicaCluster;

// ASan and UBSan make each replica ~3x slower and all of them share 2
// cores: the load test asks for less there (the assertions stay).
#if defined(__SANITIZE_ADDRESS__)
constexpr int kLoadQps = 500;
#else
constexpr int kLoadQps = 2000;
#endif

class ReplicasTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (access(testing::kNatsServer, X_OK) != 0 ||
        access(testing::kHaproxy, X_OK) != 0) {
      return;
    }
    demo_ = new testing::TempDir();
    testing::CommandResult r =
        testing::BuildDemoSnapshot(testing::BinDir(), demo_->path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    delete demo_;
    demo_ = nullptr;
  }
  void SetUp() override {
    if (demo_ == nullptr) {
      GTEST_SKIP() << "needs nats-server and haproxy (tools/install_deps.sh "
                      "--test installs them)";
    }
  }
  std::unique_ptr<ReplicaCluster> StartCluster(
      std::vector<std::string> server_args = {}) {
    testing::ClusterOptions o;
    o.server_args = std::move(server_args);
    // The HAProxy configuration we ship.
    const char* src = std::getenv("BOOMERANG_SOURCE_DIR");
    o.haproxy_template = std::string(src != nullptr ? src : ".") +
                         "/deploy/haproxy/boomerang.cfg.template";
    auto cluster = std::make_unique<ReplicaCluster>(
        testing::BinDir(), demo_->path() + "/snaps", tmp_.path(), o);
    std::string why;
    if (!cluster->Start(&why)) {
      ADD_FAILURE() << why;
      return nullptr;
    }
    return cluster;
  }
  std::string ItemsFile() {
    std::string ids;
    for (int i = 1; i <= 300; ++i) {
      ids += absl::StrCat("SKU-", absl::Dec(i, absl::kZeroPad4), "\n");
    }
    return testing::WriteFile(tmp_.path() + "/items.txt", ids);
  }

  static testing::TempDir* demo_;
  testing::TempDir tmp_;
};
testing::TempDir* ReplicasTest::demo_ = nullptr;

TEST_F(ReplicasTest, AnEventRecordedThroughOneReplicaShowsOnEveryOther) {
  auto cluster = StartCluster();
  ASSERT_NE(cluster, nullptr);
  auto r0 = cluster->Stub(cluster->replica_address(0));
  auto r1 = cluster->Stub(cluster->replica_address(1));
  auto r2 = cluster->Stub(cluster->replica_address(2));

  v1::RecordEventsResponse resp;
  const v1::Event e = testing::MarkerPurchase("shared-1", "SKU-0001");
  ASSERT_TRUE(testing::Record(r0.get(), {e}, &resp, 10000).ok());
  EXPECT_EQ(resp.accepted(), 1);
  // Read-your-writes: the replica that answered has it already.
  EXPECT_TRUE(testing::HasCustomer(r0.get(), "shared-1"));
  // The others within a few seconds (the benchmark measures how fast).
  EXPECT_TRUE(testing::MissingOn(*cluster, 1, {"shared-1"}, 5).empty());
  EXPECT_TRUE(testing::MissingOn(*cluster, 2, {"shared-1"}, 5).empty());

  // The same event retried through another replica is a duplicate, and
  // no replica counts it twice.
  v1::RecordEventsResponse again;
  ASSERT_TRUE(testing::Record(r2.get(), {e}, &again, 10000).ok());
  EXPECT_EQ(again.accepted(), 0);
  EXPECT_EQ(again.duplicates(), 1);
  for (auto* stub : {r0.get(), r1.get(), r2.get()}) {
    EXPECT_EQ(testing::Orders(stub, "shared-1"), 1);
  }

  // A catalog update through one replica reaches the lists of another.
  {
    auto fbt = [](v1::Recommender::Stub* stub) {
      v1::FrequentlyBoughtTogetherRequest req;
      req.add_item_ids("SKU-0001");
      v1::FrequentlyBoughtTogetherResponse resp;
      grpc::ClientContext ctx;
      EXPECT_TRUE(stub->FrequentlyBoughtTogether(&ctx, req, &resp).ok());
      return resp;
    };
    v1::FrequentlyBoughtTogetherResponse before = fbt(r2.get());
    ASSERT_GT(before.items_size(), 0);
    const std::string item = before.items(0).item_id();
    v1::UpdateItemsRequest up;
    v1::ItemUpdate* u = up.add_items();
    u->set_item_id(item);
    u->set_price(0.77);
    u->set_idempotency_key("price-drop-1");
    v1::UpdateItemsResponse up_resp;
    grpc::ClientContext ctx;
    ASSERT_TRUE(r0->UpdateItems(&ctx, up, &up_resp).ok());
    EXPECT_EQ(up_resp.accepted(), 1);
    EXPECT_TRUE(ReplicaCluster::WaitFor(
        [&] {
          v1::FrequentlyBoughtTogetherResponse now = fbt(r2.get());
          for (const auto& it : now.items()) {
            if (it.item_id() == item) return it.price() == 0.77;
          }
          return false;
        },
        5))
        << "the new price of " << item << " did not reach replica 2";
  }

  // The HTTP side door through HAProxy.
  httplib::Client http("127.0.0.1", cluster->lb_http_port());
  nlohmann::json body = {
      {"events",
       {{{"type", "PURCHASE"},
         {"customer_id", "shared-http"},
         {"item_id", "SKU-0002"},
         {"timestamp", absl::FormatTime(absl::RFC3339_sec, absl::Now(),
                                        absl::UTCTimeZone())},
         {"idempotency_key", "http-1"}}}}};
  auto res = http.Post("/v1/RecordEvents", body.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(testing::MissingOn(*cluster, i, {"shared-http"}, 5).empty())
        << "replica " << i;
  }
  // Client-side balancing without HAProxy: gRPC's round_robin over the
  // replicas' addresses (what a DNS name of a headless Service gives)
  // spreads the calls over all of them.
  {
    grpc::ChannelArguments args;
    args.SetLoadBalancingPolicyName("round_robin");
    auto rr = v1::Recommender::NewStub(grpc::CreateCustomChannel(
        absl::StrCat("ipv4:", cluster->replica_address(0), ",",
                     cluster->replica_address(1), ",",
                     cluster->replica_address(2)),
        grpc::InsecureChannelCredentials(), args));
    for (int k = 0; k < 30; ++k) {
      v1::SimilarItemsRequest req;
      req.set_item_id("SKU-0001");
      v1::RecommendationsResponse lists;
      grpc::ClientContext ctx;
      ctx.set_wait_for_ready(true);
      ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
      ASSERT_TRUE(rr->SimilarItems(&ctx, req, &lists).ok());
    }
    for (int i = 0; i < 3; ++i) {
      httplib::Client r("127.0.0.1", cluster->replica_http_port(i));
      auto m = r.Get("/metrics");
      ASSERT_TRUE(m);
      const std::string key =
          "boomerang_requests_total{method=\"SimilarItems\",transport="
          "\"grpc\",code=\"OK\"} ";
      const size_t at = m->body.find(key);
      ASSERT_NE(at, std::string::npos) << "replica " << i << " had no call";
      EXPECT_GE(std::atoi(m->body.c_str() + at + key.size()), 3)
          << "replica " << i;
    }
  }
  // The nightly indexer reads the shared stream: each purchase once (the
  // retried one too), without any replica's store.
  testing::CommandResult indexed = testing::Run(
      {testing::BinDir() + "/boomerang-indexer", "--purchases",
       demo_->path() + "/demo/orders.csv.gz", "--catalog",
       demo_->path() + "/demo/catalog.csv", "--event-log", cluster->NatsUrls(),
       "--out", tmp_.path() + "/nightly", "--no-embeddings", "--no-ranker"},
      tmp_.path());
  ASSERT_EQ(indexed.exit_code, 0) << indexed.err;
  EXPECT_NE((indexed.out + indexed.err)
                .find("live      2 purchases from the event store"),
            std::string::npos)
      << indexed.out << indexed.err;
  // Each replica says what it serves and that it follows the log.
  for (int i = 0; i < 3; ++i) {
    httplib::Client r("127.0.0.1", cluster->replica_http_port(i));
    auto m = r.Get("/metrics");
    ASSERT_TRUE(m);
    EXPECT_NE(m->body.find("boomerang_event_log_following 1"),
              std::string::npos);
    EXPECT_NE(m->body.find("boomerang_snapshot_info{version=\"000001\""),
              std::string::npos);
  }
}

TEST_F(ReplicasTest, KillingANatsNodeAndAReplicaUnderLoadLosesNothing) {
  // A slow machine may take longer than the default 5 s to elect the
  // stream's new leader after the kill: the writes wait for it.
  auto cluster = StartCluster({"--event-log-timeout-ms", "15000"});
  ASSERT_NE(cluster, nullptr);
  const std::string items = ItemsFile();
  const int duration_s = 14;
  // Reads through HAProxy at kLoadQps (FrequentlyBoughtTogether, open
  // loop), writes through HAProxy at 50 calls/s, for the whole run.
  testing::Proc loadgen(
      {testing::BinDir() + "/boomerang-loadgen", "--server",
       cluster->lb_address(), "--rpc", "fbt", "--items", items, "--qps",
       std::to_string(kLoadQps), "--duration", std::to_string(duration_s),
       "--warmup", "1", "--deadline-ms", "5000", "--concurrency", "256",
       "--json"},
      tmp_.path() + "/loadgen");
  loadgen.Start();
  testing::Writer writer(*cluster, "kill", "SKU-0003", 50);
  std::this_thread::sleep_for(std::chrono::seconds(4));
  cluster->nats(1).Kill();
  cluster->replica(1).Kill();
  std::this_thread::sleep_for(std::chrono::seconds(4));
  cluster->replica(1).Start();  // same ports, directory and consumer name
  std::this_thread::sleep_for(std::chrono::seconds(duration_s - 7));
  // The load generator ends by itself after warmup + duration.
  EXPECT_EQ(loadgen.Wait(), 0) << loadgen.Stderr();
  testing::WriterResult w = writer.Finish();
  const std::string out = testing::ReadAll(tmp_.path() + "/loadgen.1.out");
  nlohmann::json report = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << out << loadgen.Stderr();
  const int64_t sent = report["sent"].get<int64_t>();
  const int64_t ok = report["ok"].get<int64_t>();
  ASSERT_GT(sent, kLoadQps * duration_s * 9 / 10) << out;
  std::cout << "reads: " << sent - ok << " of " << sent
            << " failed; writes: " << w.failed_attempts << " of " << w.attempts
            << " RPCs failed, " << w.failed_calls << " of " << w.calls
            << " writes failed after retries, " << w.acked.size()
            << " acknowledged\n";
  // Fewer than 0.1% of the calls fail (reads and write RPCs together), and
  // every write succeeds with the client's retry.
  const int64_t calls = sent + w.attempts;
  const int64_t failed = (sent - ok) + w.failed_attempts;
  EXPECT_LT(static_cast<double>(failed), 0.001 * calls)
      << failed << " of " << calls << " calls failed: " << out;
  EXPECT_EQ(w.failed_calls, 0);
  ASSERT_GT(w.acked.size(), 500u);
  // Every acknowledged write is on the survivors, and on the restarted
  // replica once it caught up.
  EXPECT_TRUE(testing::MissingOn(*cluster, 0, w.acked, 20).empty());
  EXPECT_TRUE(testing::MissingOn(*cluster, 2, w.acked, 20).empty());
  ASSERT_TRUE(cluster->WaitReplica(1));
  const std::vector<std::string> missing =
      testing::MissingOn(*cluster, 1, w.acked, 30);
  EXPECT_TRUE(missing.empty()) << missing.size() << " missing on the "
                               << "restarted replica, e.g. " << missing[0];
}

TEST_F(ReplicasTest, WithEveryNatsNodeDownWritesFailReadsGoOnNothingIsLost) {
  auto cluster = StartCluster({"--event-log-timeout-ms", "2000"});
  ASSERT_NE(cluster, nullptr);
  auto r0 = cluster->Stub(cluster->replica_address(0));
  auto r1 = cluster->Stub(cluster->replica_address(1));
  v1::RecordEventsResponse resp;
  ASSERT_TRUE(testing::Record(r0.get(),
                              {testing::MarkerPurchase("before", "SKU-0001")},
                              &resp, 10000)
                  .ok());
  ASSERT_TRUE(testing::MissingOn(*cluster, 1, {"before"}, 5).empty());

  for (int i = 0; i < 3; ++i) cluster->nats(i).Kill();
  const v1::Event during = testing::MarkerPurchase("during", "SKU-0002");
  grpc::Status st = testing::Record(r0.get(), {during}, &resp, 10000);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE)
      << st.error_message();
  EXPECT_NE(st.error_message().find("did not store"), std::string::npos)
      << st.error_message();
  // Reads go on from each replica's last state.
  EXPECT_TRUE(testing::HasCustomer(r1.get(), "before"));
  EXPECT_TRUE(testing::HasCustomer(r0.get(), "before"));
  {
    v1::FrequentlyBoughtTogetherRequest req;
    req.add_item_ids("SKU-0001");
    v1::FrequentlyBoughtTogetherResponse lists;
    grpc::ClientContext ctx;
    EXPECT_TRUE(r1->FrequentlyBoughtTogether(&ctx, req, &lists).ok());
    EXPECT_GT(lists.items_size(), 0);
  }

  for (int i = 0; i < 3; ++i) cluster->nats(i).Start();
  // The client retries with the same key until the log takes it.
  bool stored = false;
  for (int attempt = 0; attempt < 60 && !stored; ++attempt) {
    stored = testing::Record(r0.get(), {during}, &resp, 10000).ok();
    if (!stored) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ASSERT_TRUE(stored);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(
        testing::MissingOn(*cluster, i, {"before", "during"}, 20).empty())
        << "replica " << i;
  }
  // Exactly once on each replica.
  for (auto* stub : {r0.get(), r1.get()}) {
    EXPECT_EQ(testing::Orders(stub, "during"), 1);
  }
}

}  // namespace
}  // namespace boomerang
