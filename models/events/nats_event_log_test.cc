#include "models/events/nats_event_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "tests/process.h"
#include "tests/replica_cluster.h"
#include "tests/test_util.h"

namespace boomerang {
namespace {

TEST(ParseNatsServersTest, TakesListsAndNamesWhatIsWrong) {
  auto ok = ParseNatsServers("nats://a:4222, tls://b:4223,c:4224");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(*ok, (std::vector<std::string>{"nats://a:4222", "tls://b:4223",
                                           "nats://c:4224"}));
  EXPECT_TRUE(ParseNatsServers("nats://user:pw@host:4222").ok());
  EXPECT_TRUE(ParseNatsServers("nats://host").ok());  // default port
  auto bad = ParseNatsServers("http://a:4222");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("http://a:4222"), std::string::npos);
  EXPECT_FALSE(ParseNatsServers("nats://a:99999").ok());
  EXPECT_FALSE(ParseNatsServers(" , ").ok());
}

v1::Event Purchase(const std::string& customer, const std::string& key) {
  v1::Event e;
  e.set_type(v1::Event::PURCHASE);
  e.set_customer_id(customer);
  e.set_item_id("SKU-1");
  e.mutable_timestamp()->set_seconds(1767225600);
  e.set_idempotency_key(key);
  return e;
}

// One JetStream node (1 copy): the log's calls against a real NATS.
class NatsEventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(testing::kNatsServer, X_OK) != 0) {
      GTEST_SKIP() << "needs nats-server (tools/install_deps.sh --test)";
    }
    port_ = testing::FreePort();
    const std::string conf = tmp_.path() + "/nats.conf";
    std::ofstream(conf) << "listen: 127.0.0.1:" << port_
                        << "\njetstream { store_dir: \"" << tmp_.path()
                        << "/js\" }\n";
    nats_ = std::make_unique<testing::Proc>(
        std::vector<std::string>{testing::kNatsServer, "-c", conf},
        tmp_.path() + "/nats");
    nats_->Start();
    ASSERT_TRUE(testing::ReplicaCluster::WaitFor(
        [&] { return testing::PortOpen(port_); }, 20));
  }
  NatsEventLogOptions Options(const std::string& replica) {
    NatsEventLogOptions o;
    o.servers = {absl::StrCat("nats://127.0.0.1:", port_)};
    o.replica_id = replica;
    o.stream_replicas = 1;
    o.publish_timeout_ms = 1500;
    return o;
  }
  std::unique_ptr<NatsEventLog> Open(const std::string& replica) {
    auto store = EventStore::Open(tmp_.Sub("store-" + replica));
    EXPECT_TRUE(store.ok()) << store.status();
    auto log = NatsEventLog::Open(Options(replica), std::move(*store));
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? std::move(*log) : nullptr;
  }
  static int Count(const EventLog& log) {
    int n = 0;
    EXPECT_TRUE(log.Replay([&](const v1::Event&) {
                     ++n;
                     return true;
                   })
                    .ok());
    return n;
  }

  testing::TempDir tmp_;
  int port_ = 0;
  std::unique_ptr<testing::Proc> nats_;
};

TEST_F(NatsEventLogTest, AppendsReachEveryReplicaOnceAndTheStreamReader) {
  auto a = Open("a");
  auto b = Open("b");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  a->Follow();
  b->Follow();
  std::vector<const v1::Event*> heard;
  std::atomic<int> heard_b{0};
  b->SetListener([&](const std::vector<const v1::Event*>& events) {
    heard_b += static_cast<int>(events.size());
  });
  absl::Notification done;
  absl::StatusOr<EventLog::AppendResult> result;
  a->AppendAsync({Purchase("c1", "k1"), Purchase("c2", "k2")},
                 [&](absl::StatusOr<EventLog::AppendResult> r) {
                   result = r;
                   done.Notify();
                 });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->accepted, 2);
  // Read-your-writes: a's store has them when the append is answered.
  EXPECT_EQ(Count(*a), 2);
  ASSERT_TRUE(
      testing::ReplicaCluster::WaitFor([&] { return Count(*b) == 2; }, 10));
  EXPECT_EQ(heard_b, 2);

  // A retry through b is a duplicate everywhere.
  absl::Notification again;
  b->AppendAsync({Purchase("c1", "k1")},
                 [&](absl::StatusOr<EventLog::AppendResult> r) {
                   result = r;
                   again.Notify();
                 });
  ASSERT_TRUE(again.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->duplicates, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(Count(*a), 2);
  EXPECT_EQ(Count(*b), 2);
  EXPECT_EQ(a->stats().published, 2);
  EXPECT_EQ(b->stats().published, 1);

  // A guest's impression (a session id, no customer id) reaches b too.
  v1::Event guest;
  guest.set_type(v1::Event::IMPRESSION);
  guest.set_session_id("s-1");
  guest.set_item_id("SKU-1");
  guest.mutable_timestamp()->set_seconds(1767225600);
  guest.set_idempotency_key("impression:guest-1");
  absl::Notification shown;
  a->AppendAsync({guest}, [&](absl::StatusOr<EventLog::AppendResult> r) {
    result = r;
    shown.Notify();
  });
  ASSERT_TRUE(shown.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(
      testing::ReplicaCluster::WaitFor([&] { return Count(*b) == 3; }, 10));
  EXPECT_EQ(b->stats().malformed, 0);

  // A replica that starts later catches up from the stream's start.
  auto c = Open("c");
  ASSERT_NE(c, nullptr);
  c->Follow();
  EXPECT_TRUE(
      testing::ReplicaCluster::WaitFor([&] { return Count(*c) == 3; }, 10));

  // The same name on a fresh disk: replays from the start instead of
  // resuming after the old disk's position.
  c.reset();
  std::filesystem::remove_all(tmp_.Sub("store-c"));
  c = Open("c");
  ASSERT_NE(c, nullptr);
  c->Follow();
  EXPECT_TRUE(
      testing::ReplicaCluster::WaitFor([&] { return Count(*c) == 3; }, 10));

  // The nightly indexer's reader: each key once.
  std::vector<std::string> keys;
  ASSERT_TRUE(
      NatsEventLog::ReadStream(Options("reader"), [&](const v1::Event& e) {
        keys.push_back(e.idempotency_key());
        return true;
      }).ok());
  EXPECT_EQ(keys, (std::vector<std::string>{"k1", "k2", "impression:guest-1"}));
  b->SetListener(nullptr);
}

TEST_F(NatsEventLogTest, TwoProcessesWithOneReplicaIdDoNotSplitTheStream) {
  auto first = Open("same");
  ASSERT_NE(first, nullptr);
  first->Follow();
  ASSERT_TRUE(testing::ReplicaCluster::WaitFor(
      [&] { return first->stats().following; }, 10));
  // A second process under the same name (its own store, as on another
  // host with the same host name) refuses to follow.
  auto store = EventStore::Open(tmp_.Sub("store-same-2"));
  ASSERT_TRUE(store.ok());
  auto second = NatsEventLog::Open(Options("same"), std::move(*store));
  ASSERT_TRUE(second.ok());
  (*second)->Follow();
  EXPECT_TRUE(testing::ReplicaCluster::WaitFor(
      [&] {
        return (*second)->stats().last_error.find("another process follows") !=
               std::string::npos;
      },
      15));
  EXPECT_FALSE((*second)->stats().following);
  // The first still gets everything.
  auto writer = Open("writer");
  ASSERT_NE(writer, nullptr);
  absl::Notification done;
  writer->AppendAsync(
      {Purchase("c1", "k1"), Purchase("c2", "k2")},
      [&](absl::StatusOr<EventLog::AppendResult>) { done.Notify(); });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(
      testing::ReplicaCluster::WaitFor([&] { return Count(*first) == 2; }, 10));
}

TEST_F(NatsEventLogTest, WithoutNatsAppendsFailUnavailableAndNothingIsStored) {
  auto a = Open("a");
  ASSERT_NE(a, nullptr);
  a->Follow();
  nats_->Kill();
  absl::Notification done;
  absl::StatusOr<EventLog::AppendResult> result;
  const auto t0 = std::chrono::steady_clock::now();
  a->AppendAsync({Purchase("c1", "k1")},
                 [&](absl::StatusOr<EventLog::AppendResult> r) {
                   result = r;
                   done.Notify();
                 });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(20)));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(result.status().message().find("did not store"), std::string::npos)
      << result.status();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_EQ(Count(*a), 0);  // not acknowledged, not served
  EXPECT_GE(a->stats().publish_failures, 1);
}

TEST(NatsEventLogOptionsTest, RefusesABadReplicaName) {
  testing::TempDir tmp;
  auto store = EventStore::Open(tmp.Sub("s"));
  ASSERT_TRUE(store.ok());
  NatsEventLogOptions o;
  o.servers = {"nats://127.0.0.1:1"};
  o.replica_id = "pod.1";
  auto log = NatsEventLog::Open(o, std::move(*store));
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("--replica-id 'pod.1'"),
            std::string::npos);
}

}  // namespace
}  // namespace boomerang
