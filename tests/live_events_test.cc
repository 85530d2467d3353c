// Live events across processes: RecordEvents into a server started with
// --events-dir on the demo shop, and the next requests reflect them; events
// survive kill -9 right after their acknowledgement.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "boomerang/v1/recommender.grpc.pb.h"
#include "tests/process.h"
#include "tests/test_util.h"

namespace boomerang {
namespace {

using ::testing::HasSubstr;

// The demo shop's data ends on 2025-12-31; live events come after it.
constexpr int64_t kAfterData = 1767312000;  // 2026-01-02T00:00:00Z

class LiveEventsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new testing::TempDir();
    const std::string bin = testing::BinDir();
    auto idx = testing::BuildDemoSnapshot(bin, tmp_->path());
    ASSERT_EQ(idx.exit_code, 0) << idx.err;
    truth_ = new nlohmann::json(
        nlohmann::json::parse(testing::ReadAll(tmp_->Sub("demo/truth.json"))));
    StartServer();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete truth_;
    delete tmp_;
  }
  static void StartServer() {
    delete server_;
    server_ = new testing::ServerProcess(
        testing::BinDir(), tmp_->Sub("snaps"), tmp_->path(),
        {"--events-dir", tmp_->Sub("events"), "--poll-seconds", "0",
         "--http-port", "0", "--http-port-file", tmp_->Sub("http_port")});
    ASSERT_TRUE(server_->WaitServing()) << server_->Stderr();
  }

  static v1::Event MakeEvent(v1::Event::Type type, const std::string& customer,
                             const std::string& item, int64_t t,
                             const std::string& key) {
    v1::Event e;
    e.set_type(type);
    e.set_customer_id(customer);
    e.set_item_id(item);
    e.mutable_timestamp()->set_seconds(t);
    e.set_idempotency_key(key);
    e.set_quantity(1);
    e.set_price(9.5);
    return e;
  }
  static grpc::Status Record(const std::vector<v1::Event>& events,
                             v1::RecordEventsResponse* resp) {
    auto stub = v1::Recommender::NewStub(server_->Channel());
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    v1::RecordEventsRequest req;
    for (const auto& e : events) *req.add_events() = e;
    return stub->RecordEvents(&ctx, req, resp);
  }
  static v1::BuyAgainResponse BuyAgain(const std::string& customer,
                                       int64_t as_of) {
    auto stub = v1::Recommender::NewStub(server_->Channel());
    grpc::ClientContext ctx;
    v1::BuyAgainRequest req;
    req.set_customer_id(customer);
    req.mutable_as_of()->set_seconds(as_of);
    req.set_limit(100);
    req.set_dated_only(true);
    // The demo's planted habits may have stopped months before the data
    // ends: such an item is lapsed until a live purchase revives it, and
    // these tests compare it before and after.
    req.set_include_lapsed(true);
    req.mutable_filter()->set_in_stock_only(false);
    v1::BuyAgainResponse resp;
    EXPECT_TRUE(stub->BuyAgain(&ctx, req, &resp).ok());
    return resp;
  }
  static const v1::DueItem* Find(const v1::BuyAgainResponse& r,
                                 const std::string& item) {
    for (const auto& d : r.items()) {
      if (d.item_id() == item) return &d;
    }
    return nullptr;
  }

  // GET on the server's HTTP port: the body ("" on failure).
  static std::string HttpGet(const std::string& path) {
    httplib::Client client("127.0.0.1",
                           std::stoi(testing::ReadAll(tmp_->Sub("http_port"))));
    auto res = client.Get(path);
    EXPECT_TRUE(res && res->status == 200) << path;
    return res ? res->body : "";
  }
  // The serving snapshot's data end (unix seconds), from the demo page's
  // defaults ("data_end"); -1 when unreadable.
  static int64_t ServingDataEnd() {
    const nlohmann::json defaults =
        nlohmann::json::parse(HttpGet("/v1/demo-defaults"), nullptr, false);
    absl::Time data_end;
    std::string error;
    if (!defaults.is_object() || !defaults["data_end"].is_string() ||
        !absl::ParseTime(absl::RFC3339_full,
                         defaults["data_end"].get<std::string>(), &data_end,
                         &error)) {
      ADD_FAILURE() << "no data end in the demo defaults: " << error;
      return -1;
    }
    return absl::ToUnixSeconds(data_end);
  }
  // A /metrics sample's value (-1 when absent).
  static int64_t Metric(const std::string& name) {
    const std::string body = HttpGet("/metrics");
    const size_t at = body.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    return std::stoll(body.substr(at + name.size() + 2));
  }

  static testing::TempDir* tmp_;
  static testing::ServerProcess* server_;
  static nlohmann::json* truth_;
};
testing::TempDir* LiveEventsTest::tmp_ = nullptr;
testing::ServerProcess* LiveEventsTest::server_ = nullptr;
nlohmann::json* LiveEventsTest::truth_ = nullptr;

TEST_F(LiveEventsTest, APurchaseCountsForBuyAgainAndLeavesPicks) {
  const auto& cycle = (*truth_)["cycles"][0];
  const std::string customer = cycle["customer_id"], item = cycle["item_id"];
  const int64_t bought = kAfterData + 3600;
  const int64_t as_of = bought + 6 * 3600;
  const v1::BuyAgainResponse before = BuyAgain(customer, as_of);
  const v1::DueItem* b = Find(before, item);
  ASSERT_NE(b, nullptr) << "planted cycle " << customer << "/" << item;
  ASSERT_LT(b->last_purchase().seconds(), bought);

  v1::RecordEventsResponse resp;
  grpc::Status s = Record(
      {MakeEvent(v1::Event::PURCHASE, customer, item, bought, "p-1")}, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.accepted(), 1);

  const v1::BuyAgainResponse after = BuyAgain(customer, as_of);
  const v1::DueItem* a = Find(after, item);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->last_purchase().seconds(), bought);
  EXPECT_EQ(a->orders(), b->orders() + 1);
  EXPECT_GT(a->days_until_due(), 0) << "just bought: not due";

  // PersonalPicks no longer offers it as a repeat (just bought).
  auto stub = v1::Recommender::NewStub(server_->Channel());
  grpc::ClientContext ctx;
  v1::PersonalPicksRequest req;
  req.set_customer_id(customer);
  req.mutable_as_of()->set_seconds(as_of);
  req.set_mode(v1::PersonalPicksRequest::REPEAT_ONLY);
  req.set_limit(100);
  req.mutable_filter()->set_in_stock_only(false);
  v1::RecommendationsResponse picks;
  ASSERT_TRUE(stub->PersonalPicks(&ctx, req, &picks).ok());
  for (const auto& p : picks.items()) EXPECT_NE(p.item_id(), item);
}

// The customers StreamPersonalPicks sends for `segment` at `as_of`.
std::vector<std::string> SegmentMembers(const testing::ServerProcess& server,
                                        const std::string& segment,
                                        int64_t as_of) {
  auto stub = v1::Recommender::NewStub(server.Channel());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  auto stream = stub->StreamPersonalPicks(&ctx);
  v1::StreamPersonalPicksRequest req;
  req.set_segment(segment);
  req.set_limit(1);
  req.mutable_as_of()->set_seconds(as_of);
  EXPECT_TRUE(stream->Write(req));
  stream->WritesDone();
  std::vector<std::string> ids;
  v1::StreamPersonalPicksResponse msg;
  while (stream->Read(&msg)) {
    if (!msg.customer_id().empty()) ids.push_back(msg.customer_id());
  }
  grpc::Status s = stream->Finish();
  EXPECT_TRUE(s.ok()) << s.error_message();
  return ids;
}

// A big live purchase takes a C customer into the A class at once: in the
// profile and in the "A" segment stream (the snapshot's cut-offs stay).
TEST_F(LiveEventsTest, ALivePurchaseMovesACustomerIntoTheAClass) {
  const int64_t bought = kAfterData + 1800;
  const int64_t as_of = bought + 3600;
  const std::vector<std::string> c_class = SegmentMembers(*server_, "C", as_of);
  ASSERT_FALSE(c_class.empty());
  const std::string customer = c_class.back();
  auto stub = v1::Recommender::NewStub(server_->Channel());
  auto profile = [&] {
    grpc::ClientContext ctx;
    v1::CustomerProfileRequest req;
    req.set_customer_id(customer);
    req.mutable_as_of()->set_seconds(as_of);
    v1::CustomerProfile p;
    grpc::Status s = stub->GetCustomerProfile(&ctx, req, &p);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return p;
  };
  EXPECT_EQ(profile().abc_class(), "C");
  std::vector<std::string> a_class = SegmentMembers(*server_, "A", as_of);
  EXPECT_EQ(std::count(a_class.begin(), a_class.end(), customer), 0);

  v1::Event big =
      MakeEvent(v1::Event::PURCHASE, customer,
                (*truth_)["cycles"][0]["item_id"], bought, "abc-big-order");
  big.set_quantity(10000);  // 95,000 at 9.50: above any A cut-off here
  v1::RecordEventsResponse resp;
  ASSERT_TRUE(Record({big}, &resp).ok());
  ASSERT_EQ(resp.accepted(), 1);
  EXPECT_EQ(profile().abc_class(), "A");
  a_class = SegmentMembers(*server_, "A", as_of);
  EXPECT_EQ(std::count(a_class.begin(), a_class.end(), customer), 1);
}

TEST_F(LiveEventsTest, DuplicateKeysAreIgnored) {
  const v1::Event e =
      MakeEvent(v1::Event::VIEW, "C-dup", "SKU-0001", kAfterData, "dup-1");
  v1::RecordEventsResponse resp;
  ASSERT_TRUE(Record({e, e}, &resp).ok());
  EXPECT_EQ(resp.accepted(), 1);
  EXPECT_EQ(resp.duplicates(), 1);
  ASSERT_TRUE(Record({e}, &resp).ok());
  EXPECT_EQ(resp.accepted(), 0);
  EXPECT_EQ(resp.duplicates(), 1);
}

TEST_F(LiveEventsTest, BadEventsAreRefusedNamingTheField) {
  v1::RecordEventsResponse resp;
  v1::Event e = MakeEvent(v1::Event::PURCHASE, "C1", "", kAfterData, "k");
  grpc::Status s = Record({e}, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("events[0].item_id"));
  e = MakeEvent(v1::Event::TYPE_UNSPECIFIED, "C1", "SKU-0001", kAfterData, "k");
  s = Record({e}, &resp);
  EXPECT_THAT(s.error_message(), HasSubstr("events[0].type"));
  e = MakeEvent(v1::Event::VIEW, "C1", "SKU-0001", kAfterData, "");
  s = Record({e}, &resp);
  EXPECT_THAT(s.error_message(), HasSubstr("idempotency_key"));
  // A NUL would let one customer id read as another in the store's keys.
  e = MakeEvent(v1::Event::VIEW, std::string("C1\0x", 4), "SKU-0001",
                kAfterData, "k-nul");
  s = Record({e}, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(),
              HasSubstr("events[0].customer_id contains a control character"));
}

TEST_F(LiveEventsTest, TheLiveCartDrivesCrossSell) {
  const std::string anchor = (*truth_)["complements"][0]["anchor"];
  const std::string other = (*truth_)["complements"][1]["anchor"];
  v1::RecordEventsResponse resp;
  // The live cart keeps 30 days before now: record it now.
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  ASSERT_TRUE(
      Record(
          {MakeEvent(v1::Event::ADD_TO_CART, "C-cart", anchor, now - 30, "c-1"),
           MakeEvent(v1::Event::ADD_TO_CART, "C-cart", other, now - 20, "c-2"),
           MakeEvent(v1::Event::REMOVE_FROM_CART, "C-cart", other, now - 10,
                     "c-3")},
          &resp)
          .ok());
  auto stub = v1::Recommender::NewStub(server_->Channel());
  v1::RecommendationsResponse by_customer, by_items;
  {
    grpc::ClientContext ctx;
    v1::CrossSellRequest req;
    req.set_customer_id("C-cart");
    req.set_limit(5);
    grpc::Status s = stub->CrossSell(&ctx, req, &by_customer);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  {
    grpc::ClientContext ctx;
    v1::CrossSellRequest req;
    req.add_item_ids(anchor);
    req.set_customer_id("C-cart");
    req.set_limit(5);
    ASSERT_TRUE(stub->CrossSell(&ctx, req, &by_items).ok());
  }
  ASSERT_GT(by_customer.items_size(), 0);
  ASSERT_EQ(by_customer.items_size(), by_items.items_size());
  for (int i = 0; i < by_customer.items_size(); ++i) {
    EXPECT_EQ(by_customer.items(i).item_id(), by_items.items(i).item_id());
    EXPECT_NE(by_customer.items(i).item_id(), anchor);
  }
}

TEST_F(LiveEventsTest, RecentViewsSteerPicksOfANewCustomer) {
  const std::string viewed = (*truth_)["substitutes"][0]["items"][0];
  v1::RecordEventsResponse resp;
  // Views are kept for 7 days before now: record them now.
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  ASSERT_TRUE(Record({MakeEvent(v1::Event::VIEW, "C-new-viewer", viewed,
                                now - 60, "v-1")},
                     &resp)
                  .ok());
  auto stub = v1::Recommender::NewStub(server_->Channel());
  grpc::ClientContext ctx;
  v1::PersonalPicksRequest req;
  req.set_customer_id("C-new-viewer");
  req.set_limit(5);
  req.mutable_filter()->set_in_stock_only(false);
  v1::RecommendationsResponse picks;
  ASSERT_TRUE(stub->PersonalPicks(&ctx, req, &picks).ok());
  EXPECT_FALSE(picks.fallback());
  std::set<std::string> got;
  for (const auto& p : picks.items()) got.insert(p.item_id());
  EXPECT_TRUE(got.count(viewed)) << "the viewed item leads a new customer's "
                                    "picks";
}

TEST_F(LiveEventsTest, MetricsShowTheStoreSizeAndHowFarTheSnapshotIsBehind) {
  const int64_t stored = Metric("boomerang_events_accepted_total");
  const int64_t newest = Metric("boomerang_events_newest_timestamp_seconds");
  ASSERT_GE(stored, 0);
  // Now: later than anything the other tests recorded.
  const int64_t t = absl::ToUnixSeconds(absl::Now());
  ASSERT_LE(newest, t);
  v1::RecordEventsResponse resp;
  ASSERT_TRUE(
      Record(
          {MakeEvent(v1::Event::VIEW, "C-metrics", "SKU-0001", t - 60, "m-1"),
           MakeEvent(v1::Event::VIEW, "C-metrics", "SKU-0002", t, "m-2"),
           MakeEvent(v1::Event::VIEW, "C-metrics", "SKU-0003", t, "m-1")},
          &resp)
          .ok());
  ASSERT_EQ(resp.accepted(), 2);
  EXPECT_EQ(Metric("boomerang_events_accepted_total"), stored + 2);
  EXPECT_EQ(Metric("boomerang_events_newest_timestamp_seconds"), t);
  // The lag: the newest event against the serving snapshot's data end.
  EXPECT_EQ(Metric("boomerang_events_snapshot_lag_seconds"),
            t - ServingDataEnd());
  EXPECT_GT(Metric("boomerang_events_last_append_timestamp_seconds"), 0);
  EXPECT_GE(Metric("boomerang_event_store_bytes"), 0);  // present
  // Built from the export alone, the snapshot's export end is its data end.
  EXPECT_EQ(Metric("boomerang_events_export_lag_seconds"),
            Metric("boomerang_events_snapshot_lag_seconds"));

  // The counts are the store's, not the process's: they survive kill -9.
  StartServer();
  EXPECT_EQ(Metric("boomerang_events_accepted_total"), stored + 2);
  EXPECT_EQ(Metric("boomerang_events_newest_timestamp_seconds"), t);
  EXPECT_EQ(Metric("boomerang_events_last_append_timestamp_seconds"), 0);
}

TEST_F(LiveEventsTest, EventsFromTheFutureAreRefused) {
  v1::RecordEventsResponse resp;
  // Milliseconds sent as seconds are beyond year 9999; a wrong clock or a
  // day's error is caught by the server's clock.
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  grpc::Status s = Record({MakeEvent(v1::Event::PURCHASE, "C-future",
                                     "SKU-0001", now + 3 * 86400, "f-1")},
                          &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("events[0].timestamp"));
  EXPECT_THAT(s.error_message(), HasSubstr("after the server's clock"));
  s = Record({MakeEvent(v1::Event::PURCHASE, "C-future", "SKU-0001", now * 1000,
                        "f-2")},
             &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(LiveEventsTest, AcknowledgedEventsSurviveKill9) {
  // A writer sends batches; the server is killed while it does; every
  // acknowledged event must be there after the restart (re-sending it is
  // then a duplicate).
  std::vector<std::vector<v1::Event>> acked;  // the writer's until joined
  std::atomic<int> acked_count{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int batch = 0; !stop.load() && batch < 2000; ++batch) {
      std::vector<v1::Event> events;
      for (int k = 0; k < 5; ++k) {
        events.push_back(MakeEvent(v1::Event::PURCHASE,
                                   absl::StrCat("C-crash-", k), "SKU-0002",
                                   kAfterData + batch * 10 + k,
                                   absl::StrCat("crash-", batch, "-", k)));
      }
      v1::RecordEventsResponse resp;
      if (!Record(events, &resp).ok()) break;
      acked.push_back(events);
      ++acked_count;
    }
  });
  while (acked_count.load() < 20) std::this_thread::yield();
  server_->Kill();
  stop = true;
  writer.join();
  ASSERT_GE(acked.size(), 20u);
  StartServer();
  int64_t acked_events = 0;
  for (const auto& events : acked) {
    v1::RecordEventsResponse resp;
    ASSERT_TRUE(Record(events, &resp).ok());
    EXPECT_EQ(resp.accepted(), 0) << "an acknowledged event was lost";
    acked_events += resp.duplicates();
  }
  EXPECT_EQ(acked_events, static_cast<int64_t>(acked.size() * 5));
}

TEST_F(LiveEventsTest, NightlyRebuildTakesTheEventsWithoutDoubleCounting) {
  const auto& cycle = (*truth_)["cycles"][1];
  const std::string customer = cycle["customer_id"], item = cycle["item_id"];
  const int64_t bought = kAfterData + 7200;
  const int64_t as_of = bought + 3600;
  const v1::DueItem* b = nullptr;
  const v1::BuyAgainResponse before = BuyAgain(customer, as_of);
  b = Find(before, item);
  ASSERT_NE(b, nullptr);
  v1::Event e = MakeEvent(v1::Event::PURCHASE, customer, item, bought, "n-1");
  e.set_order_id("web-991");
  v1::RecordEventsResponse resp;
  ASSERT_TRUE(Record({e}, &resp).ok());

  // The nightly job: the export plus the live event store, while the server
  // runs; then the server swaps the new snapshot in.
  auto idx = testing::Run(
      {testing::BinDir() + "/boomerang-indexer", "--purchases",
       tmp_->Sub("demo/orders.csv.gz"), "--catalog",
       tmp_->Sub("demo/catalog.csv"), "--events", tmp_->Sub("events"), "--out",
       tmp_->Sub("snaps"), "--no-embeddings"},
      tmp_->path());
  ASSERT_EQ(idx.exit_code, 0) << idx.err;
  EXPECT_THAT(idx.out, HasSubstr("purchases from the event store"));
  StartServer();  // loads the newest snapshot, with the same events
  const v1::BuyAgainResponse after = BuyAgain(customer, as_of);
  const v1::DueItem* a = Find(after, item);
  ASSERT_NE(a, nullptr);
  // Counted once: in the snapshot now, and the store's copy is not applied
  // again (it is not after the new snapshot's data end).
  EXPECT_EQ(a->orders(), b->orders() + 1);
  EXPECT_EQ(a->last_purchase().seconds(), bought);
  // The snapshot's data now reaches the live purchase, its export does not:
  // the export lag (what only the event store holds, and what retention
  // counts from) is the larger by exactly the gap.
  const int64_t snapshot_lag = Metric("boomerang_events_snapshot_lag_seconds");
  const int64_t export_lag = Metric("boomerang_events_export_lag_seconds");
  EXPECT_EQ(ServingDataEnd(), bought);
  EXPECT_GT(export_lag, snapshot_lag);
}

}  // namespace
}  // namespace boomerang
