// End to end for the retention RPCs (BuyAgain, DueReplenishments,
// GetCustomerProfile, StreamPersonalPicks) and their CLI commands:
// generator -> indexer -> server on 127.0.0.1 (OS-chosen port) -> real gRPC
// calls. The demo shop plants re-buy cycles (truth.json) that BuyAgain must
// recover; a small hand-written CSV checks the profile numbers against values
// worked out by hand below.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "absl/time/time.h"
#include "boomerang/v1/recommender.grpc.pb.h"
#include "boomerang/v1/snapshot.pb.h"
#include "models/rank/buy_again.h"
#include "models/snapshot/internal/tables.h"
#include "tests/process.h"
#include "tests/test_util.h"

namespace boomerang {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kDay = 86400;
// The demo shop's first day, 2025-01-01T00:00:00Z.
constexpr int64_t kDemoStart = 1735689600;
// A mailing day in the middle of the demo year: 2025-07-20T00:00:00Z.
constexpr int64_t kMidYear = kDemoStart + 200 * kDay;

std::string Iso(int64_t unix_seconds) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                          absl::FromUnixSeconds(unix_seconds),
                          absl::UTCTimeZone());
}

std::chrono::system_clock::time_point Deadline(int seconds = 10) {
  return std::chrono::system_clock::now() + std::chrono::seconds(seconds);
}

class RetentionE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new testing::TempDir();
    const std::string bin = testing::BinDir();
    auto gen = testing::Run({bin + "/boomerang-demo-shop", "--out",
                             tmp_->Sub("demo"), "--seed", "42"},
                            tmp_->path());
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
    auto idx = testing::Run({bin + "/boomerang-indexer", "--purchases",
                             tmp_->Sub("demo/orders.csv.gz"), "--catalog",
                             tmp_->Sub("demo/catalog.csv"), "--out",
                             tmp_->Sub("snaps"), "--quiet", "--seed", "42"},
                            tmp_->path());
    ASSERT_EQ(idx.exit_code, 0) << idx.err;
    truth_ = new nlohmann::json(
        nlohmann::json::parse(testing::ReadAll(tmp_->Sub("demo/truth.json"))));
    auto manifest = nlohmann::json::parse(
        testing::ReadAll(tmp_->Sub("snaps/000001/manifest.json")));
    // int64 fields are strings in protobuf's JSON mapping.
    manifest_customers_ =
        std::stoll(manifest["counts"]["customers"].get<std::string>());
    auto tables = TableReader::Open(tmp_->Sub("snaps/000001/tables"), 16 << 20);
    ASSERT_TRUE(tables.ok()) << tables.status();
    customers_ = new std::map<std::string, v1::CustomerRecord>();
    ASSERT_TRUE((*tables)
                    ->ForEach(kCustomersTable,
                              [](absl::string_view key, absl::string_view v) {
                                v1::CustomerRecord rec;
                                EXPECT_TRUE(rec.ParseFromArray(
                                    v.data(), static_cast<int>(v.size())));
                                (*customers_)[std::string(key)] = rec;
                                return true;
                              })
                    .ok());
    items_ = new std::map<std::string, v1::ItemRecord>();
    ASSERT_TRUE((*tables)
                    ->ForEach(kItemsTable,
                              [](absl::string_view key, absl::string_view v) {
                                v1::ItemRecord rec;
                                EXPECT_TRUE(rec.ParseFromArray(
                                    v.data(), static_cast<int>(v.size())));
                                (*items_)[std::string(key)] = rec;
                                return true;
                              })
                    .ok());
    tables->reset();  // the server opens the same tables read-only
    server_ = new testing::ServerProcess(bin, tmp_->Sub("snaps"), tmp_->path());
    ASSERT_TRUE(server_->WaitServing()) << server_->Stderr();
    stub_ = v1::Recommender::NewStub(server_->Channel()).release();
  }
  static void TearDownTestSuite() {
    delete stub_;
    delete server_;
    delete customers_;
    delete items_;
    delete truth_;
    delete tmp_;
  }

  static grpc::Status BuyAgain(const std::string& customer, int64_t as_of,
                               int horizon_days, v1::BuyAgainResponse* resp) {
    v1::BuyAgainRequest req;
    req.set_customer_id(customer);
    req.mutable_as_of()->set_seconds(as_of);
    req.set_horizon_days(horizon_days);
    req.set_limit(100);
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    return stub_->BuyAgain(&ctx, req, resp);
  }

  // The item's entry of a BuyAgain answer, or nullptr.
  static const v1::DueItem* Find(const v1::BuyAgainResponse& resp,
                                 const std::string& item) {
    for (const auto& i : resp.items()) {
      if (i.item_id() == item) return &i;
    }
    return nullptr;
  }

  static grpc::Status Profile(const std::string& customer, int64_t as_of,
                              v1::CustomerProfile* resp) {
    v1::CustomerProfileRequest req;
    req.set_customer_id(customer);
    req.mutable_as_of()->set_seconds(as_of);
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    return stub_->GetCustomerProfile(&ctx, req, resp);
  }

  // Reads a DueReplenishments stream to its end.
  static grpc::Status Due(const v1::DueReplenishmentsRequest& req,
                          std::vector<v1::DueReplenishmentsResponse>* out) {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline(60));
    auto reader = stub_->DueReplenishments(&ctx, req);
    v1::DueReplenishmentsResponse msg;
    while (reader->Read(&msg)) out->push_back(msg);
    return reader->Finish();
  }

  // Sends `requests` on one StreamPersonalPicks stream, then reads every
  // answer.
  static grpc::Status Picks(
      const std::vector<v1::StreamPersonalPicksRequest>& requests,
      std::vector<v1::StreamPersonalPicksResponse>* out) {
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline(60));
    auto stream = stub_->StreamPersonalPicks(&ctx);
    for (const auto& r : requests) {
      if (!stream->Write(r)) break;
    }
    stream->WritesDone();
    v1::StreamPersonalPicksResponse msg;
    while (stream->Read(&msg)) out->push_back(msg);
    return stream->Finish();
  }

  // The purchase times of `item` in `customer`'s snapshot record.
  static std::vector<int64_t> PurchaseTimes(const std::string& customer,
                                            const std::string& item) {
    auto it = customers_->find(customer);
    if (it == customers_->end()) return {};
    for (const auto& ci : it->second.items()) {
      if (ci.item_id() == item) {
        return {ci.purchase_times().begin(), ci.purchase_times().end()};
      }
    }
    return {};
  }

  static testing::TempDir* tmp_;
  static testing::ServerProcess* server_;
  static v1::Recommender::Stub* stub_;
  static nlohmann::json* truth_;
  static std::map<std::string, v1::CustomerRecord>* customers_;
  static std::map<std::string, v1::ItemRecord>* items_;
  static int64_t manifest_customers_;
};
testing::TempDir* RetentionE2eTest::tmp_ = nullptr;
testing::ServerProcess* RetentionE2eTest::server_ = nullptr;
v1::Recommender::Stub* RetentionE2eTest::stub_ = nullptr;
nlohmann::json* RetentionE2eTest::truth_ = nullptr;
std::map<std::string, v1::CustomerRecord>* RetentionE2eTest::customers_ =
    nullptr;
int64_t RetentionE2eTest::manifest_customers_ = 0;
std::map<std::string, v1::ItemRecord>* RetentionE2eTest::items_ = nullptr;

// 1. Every planted cycle, asked on its planted due date (last purchase +
// nominal period), comes back with the customer's interval close to the
// planted period.
TEST_F(RetentionE2eTest, PlantedCyclesAreRecovered) {
  ASSERT_GE((*truth_)["cycles"].size(), 100u);
  int cycles = 0, returned = 0, within = 0;
  std::vector<double> errors, signed_errors;
  for (const auto& cycle : (*truth_)["cycles"]) {
    const std::string customer = cycle["customer_id"], item = cycle["item_id"];
    const double days = cycle["days"];
    const std::vector<int64_t> times = PurchaseTimes(customer, item);
    ASSERT_GE(times.size(), 4u) << customer << " " << item;
    const int64_t last = times.back();
    const int64_t as_of = last + static_cast<int64_t>(days * kDay);
    v1::BuyAgainResponse resp;
    ASSERT_TRUE(BuyAgain(customer, as_of, 365, &resp).ok());
    EXPECT_TRUE(resp.known_customer()) << customer;
    ++cycles;
    const v1::DueItem* due = Find(resp, item);
    if (due == nullptr) continue;
    ++returned;
    const double error = std::fabs(due->interval_days() - days) / days;
    errors.push_back(error);
    signed_errors.push_back(due->interval_days() / days - 1);
    within += error <= 0.2;
    // The expected date is the last purchase plus the interval (to the
    // second), and days_until_due is measured from as_of.
    EXPECT_EQ(due->last_purchase().seconds(), last) << customer << " " << item;
    EXPECT_EQ(due->orders(), static_cast<int>(times.size()));
    EXPECT_NEAR(due->expected_date().seconds(),
                last + due->interval_days() * kDay, 1.0)
        << customer << " " << item;
    EXPECT_NEAR(
        due->days_until_due(),
        static_cast<double>(due->expected_date().seconds() - as_of) / kDay,
        1.0 / kDay);
    EXPECT_NEAR(due->days_since_last(), days, 1.0 / kDay);
    EXPECT_GE(due->confidence(), 0);
    EXPECT_LE(due->confidence(), 1);
    EXPECT_GT(due->probability(), 0);
    EXPECT_LE(due->probability(), 1);
  }
  ASSERT_FALSE(errors.empty());
  std::sort(errors.begin(), errors.end());
  std::sort(signed_errors.begin(), signed_errors.end());
  const double median = errors[errors.size() / 2];
  std::printf(
      "planted cycles: %d, returned by BuyAgain: %d (%.1f%%), interval within "
      "20%% of the planted period: %d (%.1f%%), median relative error %.3f "
      "(signed %+.3f)\n",
      cycles, returned, 100.0 * returned / cycles, within,
      100.0 * within / cycles, median, signed_errors[signed_errors.size() / 2]);
  // Every planted cycle is due on its planted due date: all must come back.
  EXPECT_EQ(returned, cycles);
  // Gaps are drawn uniformly within +-15% of the period and 3% of them are
  // doubled; the median log-gap shrugs those off, but the interval is shrunk
  // toward the item's population cycle (prior weight 2 gaps), which pulls
  // short histories (4-7 purchases) of fast or slow cycles outside 20%.
  // Measured: 678 of 691 (98.1%) with seed 42, 95.6-97.8% with seeds 1, 2,
  // 3 and 7; median error 6.2% (6.2-7.5%). 95% leaves room for a
  // generator change, not for a regression in the interval model.
  EXPECT_GE(within, cycles * 95 / 100) << within << " of " << cycles;
  EXPECT_LT(median, 0.1);
}

// 2. Moving as_of only moves the clock: the due date stays put while no
// purchase is crossed; an as_of before a purchase hides it.
TEST_F(RetentionE2eTest, AsOfMovesTheDueDateAndHidesLaterPurchases) {
  std::string customer, item;
  std::vector<int64_t> times;
  for (const auto& cycle : (*truth_)["cycles"]) {
    if (cycle["purchases"].get<int>() >= 8) {
      customer = cycle["customer_id"];
      item = cycle["item_id"];
      times = PurchaseTimes(customer, item);
      break;
    }
  }
  ASSERT_GE(times.size(), 8u) << "no planted cycle with 8 purchases";
  const size_t n = times.size();
  const int64_t last = times.back();
  constexpr int kShift = 9;
  const int64_t t1 = last + 2 * kDay + 12345;
  const int64_t t2 = t1 + kShift * kDay;
  v1::BuyAgainResponse r1, r2;
  ASSERT_TRUE(BuyAgain(customer, t1, 365, &r1).ok());
  ASSERT_TRUE(BuyAgain(customer, t2, 365, &r2).ok());
  const v1::DueItem* a = Find(r1, item);
  const v1::DueItem* b = Find(r2, item);
  ASSERT_NE(a, nullptr) << customer << " " << item;
  ASSERT_NE(b, nullptr) << customer << " " << item;
  EXPECT_NEAR(a->days_until_due() - b->days_until_due(), kShift, 1.0 / kDay);
  EXPECT_NEAR(b->days_since_last() - a->days_since_last(), kShift, 1.0 / kDay);
  EXPECT_EQ(a->expected_date().seconds(), b->expected_date().seconds());
  EXPECT_EQ(a->last_purchase().seconds(), last);
  EXPECT_EQ(b->last_purchase().seconds(), last);
  EXPECT_EQ(a->interval_days(), b->interval_days());
  EXPECT_EQ(a->orders(), static_cast<int>(n));
  EXPECT_EQ(b->orders(), static_cast<int>(n));

  // A purchase at exactly as_of counts; one a second later does not.
  v1::BuyAgainResponse at, before;
  ASSERT_TRUE(BuyAgain(customer, last, 365, &at).ok());
  ASSERT_TRUE(BuyAgain(customer, last - 1, 365, &before).ok());
  const v1::DueItem* c = Find(at, item);
  const v1::DueItem* d = Find(before, item);
  ASSERT_NE(c, nullptr);
  ASSERT_NE(d, nullptr) << "due again at its next purchase, yet not listed";
  EXPECT_EQ(c->orders(), static_cast<int>(n));
  EXPECT_EQ(c->last_purchase().seconds(), last);
  EXPECT_EQ(d->orders(), static_cast<int>(n) - 1);
  EXPECT_EQ(d->last_purchase().seconds(), times[n - 2]);
  EXPECT_NEAR(d->expected_date().seconds(),
              times[n - 2] + d->interval_days() * kDay, 1.0);
  EXPECT_NEAR(d->days_since_last(),
              static_cast<double>(last - 1 - times[n - 2]) / kDay, 1.0 / kDay);
}

// 3. The daily replenishment job: every customer once, in key order, each
// item inside the window, progress that ends at the indexer's count.
TEST_F(RetentionE2eTest, DueReplenishmentsStreamsEveryDueCustomerOnce) {
  constexpr int kLead = 7, kOverdue = 3, kBatch = 20;
  const int64_t from = kMidYear - kOverdue * kDay;
  const int64_t to = kMidYear + kLead * kDay;
  v1::DueReplenishmentsRequest req;
  req.mutable_as_of()->set_seconds(kMidYear);
  req.set_lead_days(kLead);
  req.set_overdue_days(kOverdue);
  req.set_max_items_per_customer(100);
  req.set_batch_size(kBatch);
  std::vector<v1::DueReplenishmentsResponse> msgs;
  grpc::Status s = Due(req, &msgs);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_FALSE(msgs.empty());
  std::map<std::string, std::vector<std::string>> due;  // customer -> items
  std::string previous;
  int64_t scanned = 0, items = 0;
  for (size_t m = 0; m < msgs.size(); ++m) {
    const auto& msg = msgs[m];
    EXPECT_EQ(msg.done(), m + 1 == msgs.size()) << "message " << m;
    EXPECT_LE(msg.customers_size(), kBatch);
    EXPECT_EQ(msg.customers_total(), manifest_customers_);
    EXPECT_GE(msg.customers_scanned(), scanned);
    EXPECT_EQ(msg.snapshot_version(), "000001");
    scanned = msg.customers_scanned();
    for (const auto& c : msg.customers()) {
      EXPECT_GT(c.customer_id(), previous) << "not in ascending id order";
      previous = c.customer_id();
      EXPECT_EQ(due.count(c.customer_id()), 0u) << c.customer_id();
      EXPECT_FALSE(c.items().empty()) << c.customer_id();
      EXPECT_TRUE(customers_->count(c.customer_id())) << c.customer_id();
      for (const auto& i : c.items()) {
        ++items;
        due[c.customer_id()].push_back(i.item_id());
        EXPECT_GE(i.expected_date().seconds(), from)
            << c.customer_id() << " " << i.item_id();
        EXPECT_LE(i.expected_date().seconds(), to)
            << c.customer_id() << " " << i.item_id();
        EXPECT_GE(i.days_until_due(), -kOverdue - 1e-9);
        EXPECT_LE(i.days_until_due(), kLead + 1e-9);
        EXPECT_NEAR(
            i.days_until_due(),
            static_cast<double>(i.expected_date().seconds() - kMidYear) / kDay,
            1.0 / kDay);
      }
    }
  }
  EXPECT_EQ(msgs.back().customers_scanned(), manifest_customers_);
  EXPECT_EQ(manifest_customers_, static_cast<int64_t>(customers_->size()));
  ASSERT_GT(due.size(), static_cast<size_t>(3 * kBatch));  // several batches

  // The batch size changes the messages, not the answer.
  req.set_batch_size(0);  // default, 256
  std::vector<v1::DueReplenishmentsResponse> one;
  ASSERT_TRUE(Due(req, &one).ok());
  std::map<std::string, std::vector<std::string>> again;
  for (const auto& msg : one) {
    EXPECT_LE(msg.customers_size(), 256);
    for (const auto& c : msg.customers()) {
      for (const auto& i : c.items()) {
        again[c.customer_id()].push_back(i.item_id());
      }
    }
  }
  EXPECT_EQ(again, due);
  auto in_job = [&due](const std::string& customer, const std::string& item) {
    auto it = due.find(customer);
    return it == due.end()
               ? 0
               : std::count(it->second.begin(), it->second.end(), item);
  };

  // Every item BuyAgain dates in the window is in the job, unless it is
  // less likely than the default floor (0.1) to be bought within the lead
  // days: those reminders would be pushy.
  int agreed = 0, sampled = 0, below = 0;
  for (const auto& [customer, rec] : *customers_) {
    if (sampled++ % 4 != 0) continue;  // every fourth customer is enough
    v1::BuyAgainResponse ba;
    ASSERT_TRUE(BuyAgain(customer, kMidYear, kLead, &ba).ok());
    for (const auto& i : ba.items()) {
      const int64_t expected = i.expected_date().seconds();
      if (expected < from || expected > to) continue;
      const bool likely = i.probability() >= kDefaultDueProbabilityFloor;
      (likely ? agreed : below) += 1;
      EXPECT_EQ(in_job(customer, i.item_id()), likely ? 1 : 0)
          << customer << " " << i.item_id() << " is due on "
          << Iso(i.expected_date().seconds()) << " with probability "
          << i.probability();
    }
  }
  EXPECT_GT(agreed, 20);
  EXPECT_GT(below, 0) << "the floor left nothing out";

  // Planted cycles whose next purchase is due in the window by the planted
  // period. The job dates them by the estimated interval, which test 1
  // holds to 20% of the period (up to 12 days on a 60-day cycle), so they
  // are looked for in a job with a week more on either side.
  req.set_lead_days(kLead + 7);
  req.set_overdue_days(kOverdue + 7);
  std::vector<v1::DueReplenishmentsResponse> wide_msgs;
  ASSERT_TRUE(Due(req, &wide_msgs).ok());
  std::set<std::pair<std::string, std::string>> wide;
  for (const auto& msg : wide_msgs) {
    for (const auto& c : msg.customers()) {
      for (const auto& i : c.items())
        wide.emplace(c.customer_id(), i.item_id());
    }
  }
  // Three purchases by the mailing day at least: two gaps of the
  // customer's own (with one, the interval is mostly the item's population
  // cycle: the prior weighs two gaps).
  constexpr size_t kMinPurchases = 3;
  int planted_due = 0, found = 0, found_wide = 0;
  for (const auto& cycle : (*truth_)["cycles"]) {
    const std::string customer = cycle["customer_id"], item = cycle["item_id"];
    const double days = cycle["days"];
    const std::vector<int64_t> times = PurchaseTimes(customer, item);
    const size_t k =
        std::upper_bound(times.begin(), times.end(), kMidYear) - times.begin();
    if (k < kMinPurchases) continue;
    const int64_t planted = times[k - 1] + static_cast<int64_t>(days * kDay);
    if (planted < from || planted > to) continue;
    ++planted_due;
    found += in_job(customer, item);
    found_wide += wide.count({customer, item});
  }
  std::printf(
      "due job: %zu customers, %lld items; planted cycles due in the window: "
      "%d, in the job: %d (%.1f%%), in the job widened by 7 days: %d "
      "(%.1f%%)\n",
      due.size(), static_cast<long long>(items), planted_due, found,
      100.0 * found / std::max(1, planted_due), found_wide,
      100.0 * found_wide / std::max(1, planted_due));
  // Measured: 130 of 132 (98.5%) with seed 42, 95.8-97.6% with seeds 1, 2,
  // 3 and 7. In the unwidened job it is 55-68%: by mid-year a cycle has few
  // gaps, and the interval shrunk toward the item's population cycle (about
  // 40 days) dates fast cycles a few days late and slow ones early, so a
  // cycle planted near the window's edge is dated just outside it.
  ASSERT_GE(planted_due, 50);
  EXPECT_GE(found_wide, planted_due * 95 / 100)
      << found_wide << " of " << planted_due;
}

TEST_F(RetentionE2eTest, DueReplenishmentsRejectsBadRequests) {
  for (auto [lead, batch, field] : {std::make_tuple(-1, 0, "lead_days"),
                                    std::make_tuple(7, 20000, "batch_size")}) {
    v1::DueReplenishmentsRequest req;
    req.mutable_as_of()->set_seconds(kMidYear);
    req.set_lead_days(lead);
    req.set_batch_size(batch);
    std::vector<v1::DueReplenishmentsResponse> msgs;
    grpc::Status s = Due(req, &msgs);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << field;
    EXPECT_THAT(s.error_message(), HasSubstr(field));
    EXPECT_TRUE(msgs.empty());
  }
}

// 4. GetCustomerProfile against numbers worked out by hand.
//
// Twelve customers from 2025-01-02 to 2025-03-30, one guest order. The data
// ends on 2025-03-30, so the indexer fits the models and the RFM cutoffs as
// of 2025-03-31T00:00Z; the profiles below are asked at 2025-03-31T12:00Z,
// the same UTC day, so a customer's RFM inputs are those of the cutoffs.
//
//   customer  orders (day: value)                          n  revenue  days
//                                                                      since
//   K101  Jan 8: 15, Jan 29: 25, Mar 12: 20                3    60      19
//   K102  Jan 3, 13, 24, Feb 3, 14, 24, Mar 6, 17, 27:     9  1080       4
//         120 each (4 x 30.00): the frequent big spender
//   K103  Jan 5: 30, Feb 20: 40                            2    70      39
//   K104  Jan 2: 60, Mar 25: 80                            2   140       6
//   K105  Jan 10 09:00: 25.50 (2 x 10.00 + 1 x 5.50),      3    47.5    45
//         Feb 14 10:00: 10.00, Feb 14 18:30: 12.00 (3 x 4.00)
//   K106  Jan 15: 12, Jan 30: 18                           2    30      60
//   K107  Jan 20: 50, Feb 10: 45, Mar 3: 55, Mar 24: 50    4   200       7
//   K108  Feb 1: 22, Mar 15: 28                            2    50      16
//   K109  Jan 6: 9, Jan 27: 11, Feb 17: 10, Mar 10: 12,    5    50       1
//         Mar 30 15:00: 8 (the last purchase of the data)
//   K110  Jan 12: 75, Feb 5: 65                            2   140      54
//   K111  Mar 1: 4.00: the one-time small buyer            1     4      30
//   K112  Feb 8: 35, Feb 22: 35, Mar 18: 40                3   110      13
//
// Quintile cutoffs, numpy's linear interpolation over the 12 sorted values
// at positions 0.2k * 11 = 2.2, 4.4, 6.6, 8.8 (v[i] + frac * (v[i+1] - v[i])):
//   orders   1 2 2 2 2 2 3 3 3 4 5 9 -> 2, 2, 3, 3 + 0.8 * 1 = 3.8
//   days     1 4 6 7 13 16 19 30 39 45 54 60
//            -> 6 + 0.2 * 1 = 6.2, 13 + 0.4 * 3 = 14.2, 19 + 0.6 * 11 = 25.6,
//               39 + 0.8 * 6 = 43.8
//   revenue  4 30 47.5 50 50 60 70 110 140 140 200 1080
//            -> 47.5 + 0.2 * 2.5 = 48, 50 + 0.4 * 10 = 54, 70 + 0.6 * 40 = 94,
//               140
// A score's bin is the number of cutoffs strictly below the value;
// F = M = 1 + bin, R = 5 - bin.
//   K105: 45 days -> bin 4, R1; 3 orders -> bin 2 (2, 2 < 3), F3;
//         47.5 -> bin 0, M1. R1-2 & F3-4: at_risk.
//   K102: 4 days -> R5; 9 orders -> F5; 1080 -> M5: champions.
//   K111: 30 days -> bin 3, R2; 1 order -> F1; 4 -> M1: hibernating.
constexpr char kHandOrders[] =
    "Invoice,Customer,Sku,Date,Qty,UnitPrice\n"
    "101-1,K101,BAG,2025-01-08T12:00:00Z,1,15.00\n"
    "101-2,K101,BAG,2025-01-29T12:00:00Z,1,25.00\n"
    "101-3,K101,BAG,2025-03-12T12:00:00Z,1,20.00\n"
    "102-1,K102,BEANS,2025-01-03T11:00:00Z,4,30.00\n"
    "102-2,K102,BEANS,2025-01-13T11:00:00Z,4,30.00\n"
    "102-3,K102,BEANS,2025-01-24T11:00:00Z,4,30.00\n"
    "102-4,K102,BEANS,2025-02-03T11:00:00Z,4,30.00\n"
    "102-5,K102,BEANS,2025-02-14T11:00:00Z,4,30.00\n"
    "102-6,K102,BEANS,2025-02-24T11:00:00Z,4,30.00\n"
    "102-7,K102,BEANS,2025-03-06T11:00:00Z,4,30.00\n"
    "102-8,K102,BEANS,2025-03-17T11:00:00Z,4,30.00\n"
    "102-9,K102,BEANS,2025-03-27T11:00:00Z,4,30.00\n"
    "103-1,K103,BAG,2025-01-05T12:00:00Z,1,30.00\n"
    "103-2,K103,BAG,2025-02-20T12:00:00Z,1,40.00\n"
    "104-1,K104,BAG,2025-01-02T12:00:00Z,1,60.00\n"
    "104-2,K104,BAG,2025-03-25T12:00:00Z,1,80.00\n"
    "105-1,K105,TEA,2025-01-10T09:00:00Z,2,10.00\n"
    "105-1,K105,MUG,2025-01-10T09:00:00Z,1,5.50\n"
    "105-2,K105,TEA,2025-02-14T10:00:00Z,1,10.00\n"
    "105-3,K105,CUP,2025-02-14T18:30:00Z,3,4.00\n"
    "106-1,K106,BAG,2025-01-15T12:00:00Z,1,12.00\n"
    "106-2,K106,BAG,2025-01-30T12:00:00Z,1,18.00\n"
    "107-1,K107,BAG,2025-01-20T12:00:00Z,1,50.00\n"
    "107-2,K107,BAG,2025-02-10T12:00:00Z,1,45.00\n"
    "107-3,K107,BAG,2025-03-03T12:00:00Z,1,55.00\n"
    "107-4,K107,BAG,2025-03-24T12:00:00Z,1,50.00\n"
    "108-1,K108,BAG,2025-02-01T12:00:00Z,1,22.00\n"
    "108-2,K108,BAG,2025-03-15T12:00:00Z,1,28.00\n"
    "109-1,K109,BAG,2025-01-06T12:00:00Z,1,9.00\n"
    "109-2,K109,BAG,2025-01-27T12:00:00Z,1,11.00\n"
    "109-3,K109,BAG,2025-02-17T12:00:00Z,1,10.00\n"
    "109-4,K109,BAG,2025-03-10T12:00:00Z,1,12.00\n"
    "109-5,K109,BAG,2025-03-30T15:00:00Z,1,8.00\n"
    "110-1,K110,BAG,2025-01-12T12:00:00Z,1,75.00\n"
    "110-2,K110,BAG,2025-02-05T12:00:00Z,1,65.00\n"
    "111-1,K111,MUG,2025-03-01T12:00:00Z,1,4.00\n"
    "112-1,K112,BAG,2025-02-08T12:00:00Z,1,35.00\n"
    "112-2,K112,BAG,2025-02-22T12:00:00Z,1,35.00\n"
    "112-3,K112,BAG,2025-03-18T12:00:00Z,1,40.00\n"
    "G-1,,BAG,2025-03-05T12:00:00Z,1,99.00\n";

// 2025-03-31T12:00:00Z.
constexpr int64_t kHandAsOf = 1743422400;
// K105's orders: 2025-01-10T09:00Z, 2025-02-14T10:00Z, 2025-02-14T18:30Z.
constexpr int64_t kK105First = 1736499600;
constexpr int64_t kK105Second = 1739527200;
constexpr int64_t kK105Last = 1739557800;

class HandComputedProfileTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new testing::TempDir();
    const std::string bin = testing::BinDir();
    testing::WriteFile(tmp_->Sub("orders.csv"), kHandOrders);
    auto idx = testing::Run(
        {bin + "/boomerang-indexer", "--purchases", tmp_->Sub("orders.csv"),
         "--column", "order_id=Invoice", "--column", "customer_id=Customer",
         "--column", "item_id=Sku", "--column", "timestamp=Date", "--column",
         "quantity=Qty", "--column", "price=UnitPrice", "--out",
         tmp_->Sub("snaps"), "--quiet", "--no-embeddings"},
        tmp_->path());
    ASSERT_EQ(idx.exit_code, 0) << idx.err;
    ASSERT_THAT(idx.out, HasSubstr("customers 12"));
    server_ = new testing::ServerProcess(bin, tmp_->Sub("snaps"), tmp_->path());
    ASSERT_TRUE(server_->WaitServing()) << server_->Stderr();
    stub_ = v1::Recommender::NewStub(server_->Channel()).release();
  }
  static void TearDownTestSuite() {
    delete stub_;
    delete server_;
    delete tmp_;
  }

  static grpc::Status Profile(const std::string& customer, int64_t as_of,
                              v1::CustomerProfile* resp) {
    v1::CustomerProfileRequest req;
    req.set_customer_id(customer);
    req.mutable_as_of()->set_seconds(as_of);
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    return stub_->GetCustomerProfile(&ctx, req, resp);
  }

  static testing::TempDir* tmp_;
  static testing::ServerProcess* server_;
  static v1::Recommender::Stub* stub_;
};
testing::TempDir* HandComputedProfileTest::tmp_ = nullptr;
testing::ServerProcess* HandComputedProfileTest::server_ = nullptr;
v1::Recommender::Stub* HandComputedProfileTest::stub_ = nullptr;

TEST_F(HandComputedProfileTest, MatchesTheHandComputedNumbers) {
  v1::CustomerProfile p;
  grpc::Status s = Profile("K105", kHandAsOf, &p);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(p.customer_id(), "K105");
  EXPECT_EQ(p.orders(), 3);
  EXPECT_NEAR(p.revenue(), 47.5, 1e-9);  // 25.50 + 10.00 + 12.00
  // Money is given to the cent: 47.5 / 3 = 15.8333...
  EXPECT_EQ(p.average_order_value(), 15.83);
  EXPECT_EQ(p.first_order().seconds(), kK105First);
  EXPECT_EQ(p.last_order().seconds(), kK105Last);
  // Two purchase days (Jan 10, Feb 14): one repeat day, 35 days apart; 80
  // days from Jan 10 to Mar 31 (21 + 28 + 31).
  EXPECT_EQ(p.frequency(), 1);
  EXPECT_EQ(p.recency_days(), 35);
  EXPECT_EQ(p.age_days(), 80);
  // Feb 14 18:30 to Mar 31 12:00: 45 days less 6.5 hours.
  EXPECT_NEAR(p.days_since_last_order(), 45 - 6.5 / 24, 1e-9);
  // 3 orders over 80 days and 3 hours, per 30 days.
  EXPECT_NEAR(p.orders_per_month(), 3 / (80 + 3.0 / 24) * 30, 1e-9);
  EXPECT_EQ(p.rfm().recency(), 1);
  EXPECT_EQ(p.rfm().frequency(), 3);
  EXPECT_EQ(p.rfm().monetary(), 1);
  EXPECT_EQ(p.segment(), "at_risk");
  // Mean gap (recency / frequency = 35 days) after the last order.
  EXPECT_EQ(p.predicted_next_order().seconds(), kK105Last + 35 * kDay);
  EXPECT_EQ(p.model_note(), "");
  EXPECT_GE(p.churn_risk(), 0);
  EXPECT_LE(p.churn_risk(), 1);
  EXPECT_GE(p.predicted_ltv_12_months(), 0);

  // Feb 14 at noon: the evening order of that day is not counted yet.
  ASSERT_TRUE(Profile("K105", 1739534400, &p).ok());
  EXPECT_EQ(p.orders(), 2);
  EXPECT_NEAR(p.revenue(), 35.5, 1e-9);
  EXPECT_NEAR(p.average_order_value(), 17.75, 1e-9);
  EXPECT_EQ(p.last_order().seconds(), kK105Second);
  EXPECT_EQ(p.frequency(), 1);
  EXPECT_EQ(p.recency_days(), 35);
  EXPECT_EQ(p.age_days(), 35);
  EXPECT_NEAR(p.days_since_last_order(), 2.0 / 24, 1e-9);
  // 0 days -> R5; 2 orders -> bin 0 (2 is not above the cutoff 2), F1; 35.5
  // -> M1. R5 & F1: new.
  EXPECT_EQ(p.rfm().recency(), 5);
  EXPECT_EQ(p.rfm().frequency(), 1);
  EXPECT_EQ(p.rfm().monetary(), 1);
  EXPECT_EQ(p.segment(), "new");
}

TEST_F(HandComputedProfileTest, BigSpenderIsWorthMoreThanAOneTimeBuyer) {
  v1::CustomerProfile big, once;
  ASSERT_TRUE(Profile("K102", kHandAsOf, &big).ok());
  ASSERT_TRUE(Profile("K111", kHandAsOf, &once).ok());
  EXPECT_EQ(big.orders(), 9);
  EXPECT_NEAR(big.revenue(), 1080, 1e-9);
  EXPECT_EQ(big.frequency(), 8);
  EXPECT_EQ(big.recency_days(), 83);  // Jan 3 to Mar 27
  EXPECT_EQ(big.age_days(), 87);      // Jan 3 to Mar 31
  EXPECT_EQ(big.rfm().recency(), 5);
  EXPECT_EQ(big.rfm().frequency(), 5);
  EXPECT_EQ(big.rfm().monetary(), 5);
  EXPECT_EQ(big.segment(), "champions");
  EXPECT_EQ(once.orders(), 1);
  EXPECT_EQ(once.frequency(), 0);
  EXPECT_EQ(once.recency_days(), 0);
  EXPECT_EQ(once.age_days(), 30);
  EXPECT_EQ(once.rfm().recency(), 2);
  EXPECT_EQ(once.rfm().frequency(), 1);
  EXPECT_EQ(once.rfm().monetary(), 1);
  EXPECT_EQ(once.segment(), "hibernating");
  for (const auto* p : {&big, &once}) {
    EXPECT_EQ(p->model_note(), "") << p->customer_id();
    EXPECT_GE(p->churn_risk(), 0) << p->customer_id();
    EXPECT_LE(p->churn_risk(), 1) << p->customer_id();
    EXPECT_GE(p->predicted_ltv_12_months(), 0) << p->customer_id();
    EXPECT_GE(p->expected_orders_12_months(), 0) << p->customer_id();
  }
  std::printf(
      "K102: churn %.3f, 12-month orders %.2f, LTV %.2f; K111: churn %.3f, "
      "12-month orders %.2f, LTV %.2f\n",
      big.churn_risk(), big.expected_orders_12_months(),
      big.predicted_ltv_12_months(), once.churn_risk(),
      once.expected_orders_12_months(), once.predicted_ltv_12_months());
  EXPECT_GT(big.predicted_ltv_12_months(), once.predicted_ltv_12_months());
  EXPECT_GT(big.expected_order_value(), once.expected_order_value());
}

// ABC: customer revenue 1981.50 in all; sorted 1080 (K102), 200 (K107),
// 140 (K104, K110), 110 (K112) have less than 80% (1585.20) before them:
// A, cut-off 110. 70 (K103; 1670 before), 60 (K101), 50 (K108, K109) have
// under 95% (1882.43) before them: B, cut-off 50. 47.5 (K105; 1900
// before), 30 (K106), 4 (K111): C.
// XYZ, months Jan..Mar 2025: K102 360 360 360, CV 0: X. K105 25.5 22 0,
// CV 0.71: X. K101 40 0 20, CV 0.82: X. K106 30 0 0, CV 1.41: Y. K111
// (March only), K108 and K112 (Feb, Mar): under 3 months, Z.
TEST_F(HandComputedProfileTest, AbcXyzClassesByHand) {
  const std::map<std::string, std::string> expected = {
      {"K102", "AX"}, {"K105", "CX"}, {"K101", "BX"}, {"K106", "CY"},
      {"K111", "CZ"}, {"K108", "BZ"}, {"K112", "AZ"}};
  for (const auto& [id, classes] : expected) {
    v1::CustomerProfile p;
    ASSERT_TRUE(Profile(id, kHandAsOf, &p).ok()) << id;
    EXPECT_EQ(p.abc_class() + p.xyz_class(), classes) << id;
  }
  // The B class streams exactly its four customers, in key order.
  v1::StreamPersonalPicksRequest req;
  req.set_segment("B");
  req.mutable_as_of()->set_seconds(kHandAsOf);
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  auto stream = stub_->StreamPersonalPicks(&ctx);
  ASSERT_TRUE(stream->Write(req));
  stream->WritesDone();
  std::vector<std::string> got;
  v1::StreamPersonalPicksResponse msg;
  while (stream->Read(&msg)) {
    if (!msg.customer_id().empty()) got.push_back(msg.customer_id());
  }
  ASSERT_TRUE(stream->Finish().ok());
  EXPECT_EQ(got, (std::vector<std::string>{"K101", "K103", "K108", "K109"}));
}

TEST_F(HandComputedProfileTest, UnknownCustomerOrNoOrdersYetIsNotFound) {
  v1::CustomerProfile p;
  EXPECT_EQ(Profile("K999", kHandAsOf, &p).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // The guest order made no customer.
  EXPECT_EQ(Profile("G-1", kHandAsOf, &p).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // An hour before K105's first order.
  EXPECT_EQ(Profile("K105", kK105First - 3600, &p).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(Profile("K105", kK105First, &p).ok());
  EXPECT_EQ(p.orders(), 1);
}

// 5. Batch picks: one answer per id, in the order sent, across requests; a
// bad id is answered with an error and the stream goes on.
TEST_F(RetentionE2eTest, StreamPersonalPicksAnswersEveryIdInOrder) {
  std::vector<std::string> known;
  for (const auto& [id, rec] : *customers_) {
    if (rec.items_size() >= 3) known.push_back(id);
  }
  ASSERT_GE(known.size(), 100u);
  const std::string k1 = known[7], k2 = known[60], k3 = known[3];
  const std::string unknown = "nobody-at-all", too_long(300, 'x');
  const int64_t as_of = kDemoStart + 365 * kDay;
  v1::StreamPersonalPicksRequest first;
  for (const auto& id : {k1, unknown, too_long, k2}) first.add_customer_ids(id);
  first.set_limit(5);
  first.mutable_as_of()->set_seconds(as_of);
  v1::StreamPersonalPicksRequest second = first;
  second.clear_customer_ids();
  second.add_customer_ids(k3);
  std::vector<v1::StreamPersonalPicksResponse> out;
  grpc::Status s = Picks({first, second}, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const std::vector<std::string> expected = {k1, unknown, too_long, k2, k3};
  ASSERT_EQ(out.size(), expected.size());
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].customer_id(), expected[i]) << i;
    EXPECT_EQ(out[i].snapshot_version(), "000001");
    if (expected[i] == too_long) {
      EXPECT_THAT(out[i].error(), HasSubstr("256 bytes"));
      EXPECT_TRUE(out[i].items().empty());
      continue;
    }
    EXPECT_EQ(out[i].error(), "") << expected[i];
    EXPECT_EQ(out[i].items_size(), 5) << expected[i];
    EXPECT_EQ(out[i].fallback(), expected[i] == unknown) << expected[i];
  }
}

TEST_F(RetentionE2eTest, StreamPersonalPicksBySegmentMatchesProfiles) {
  // Every customer's segment at as_of, by GetCustomerProfile.
  const int64_t as_of = kMidYear;
  std::map<std::string, std::vector<std::string>> members;
  std::string first_customer;
  for (const auto& [id, rec] : *customers_) {
    v1::CustomerProfile p;
    grpc::Status s = Profile(id, as_of, &p);
    if (s.error_code() == grpc::StatusCode::NOT_FOUND) continue;  // later
    ASSERT_TRUE(s.ok()) << id << ": " << s.error_message();
    ASSERT_FALSE(p.segment().empty()) << id;
    members[p.segment()].push_back(id);
    if (first_customer.empty()) first_customer = id;
  }
  ASSERT_FALSE(first_customer.empty());
  std::string largest;
  for (const auto& [segment, ids] : members) {
    if (largest.empty() || ids.size() > members[largest].size()) {
      largest = segment;
    }
  }
  v1::CustomerProfile p;
  ASSERT_TRUE(Profile(first_customer, as_of, &p).ok());
  // The largest segment takes several scan steps (256 customers each).
  std::printf("segment of %s: %s (%zu customers); largest: %s (%zu)\n",
              first_customer.c_str(), p.segment().c_str(),
              members[p.segment()].size(), largest.c_str(),
              members[largest].size());
  for (const std::string& segment : {p.segment(), largest}) {
    v1::StreamPersonalPicksRequest req;
    req.set_segment(segment);
    req.set_limit(3);
    req.mutable_as_of()->set_seconds(as_of);
    std::vector<v1::StreamPersonalPicksResponse> out;
    grpc::Status s = Picks({req}, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> got;
    for (const auto& r : out) {
      got.push_back(r.customer_id());
      EXPECT_EQ(r.error(), "") << r.customer_id();
    }
    EXPECT_EQ(got, members[segment]) << segment;
  }
}

TEST_F(RetentionE2eTest, StreamPersonalPicksRejectsBadRequests) {
  v1::StreamPersonalPicksRequest both;
  both.add_customer_ids(customers_->begin()->first);
  both.set_segment("champions");
  v1::StreamPersonalPicksRequest unknown;
  unknown.set_segment("vip");
  for (const auto& req : {both, unknown}) {
    std::vector<v1::StreamPersonalPicksResponse> out;
    grpc::Status s = Picks({req}, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << req.ShortDebugString();
    EXPECT_TRUE(out.empty());
  }
}

// ABC / XYZ classes (models/segments.h): at the snapshot's own moment (the
// day after the last order, where the indexer set the cut-offs) every
// profile has both classes, A holds 80% of customer revenue and not much
// more, and the "A" and pair segments stream exactly the profiles' members.
TEST_F(RetentionE2eTest, AbcXyzClassesInProfilesAndSegments) {
  int64_t last = 0;
  for (const auto& [id, rec] : *customers_) {
    for (int64_t t : rec.order_times()) last = std::max(last, t);
  }
  const int64_t as_of = (last / kDay + 1) * kDay;
  std::map<std::string, std::vector<std::string>> members;  // "A", "AX", ...
  std::map<std::string, double> revenue;                    // by ABC class
  double total = 0, last_a = 1e300;
  for (const auto& [id, rec] : *customers_) {
    v1::CustomerProfile p;
    grpc::Status s = Profile(id, as_of, &p);
    ASSERT_TRUE(s.ok()) << id << ": " << s.error_message();
    ASSERT_THAT(std::string("ABC"), HasSubstr(p.abc_class())) << id;
    ASSERT_THAT(std::string("XYZ"), HasSubstr(p.xyz_class())) << id;
    ASSERT_EQ(p.abc_class().size(), 1u) << id;
    ASSERT_EQ(p.xyz_class().size(), 1u) << id;
    members[p.abc_class()].push_back(id);
    members[p.abc_class() + p.xyz_class()].push_back(id);
    revenue[p.abc_class()] += p.revenue();
    total += p.revenue();
    if (p.abc_class() == "A") last_a = std::min(last_a, p.revenue());
  }
  ASSERT_GT(total, 0);
  std::printf(
      "classes at %s: A %zu customers (%.1f%% of revenue), B %zu "
      "(%.1f%%), C %zu (%.1f%%); X %zu, Y %zu, Z %zu\n",
      Iso(as_of).c_str(), members["A"].size(), 100 * revenue["A"] / total,
      members["B"].size(), 100 * revenue["B"] / total, members["C"].size(),
      100 * revenue["C"] / total,
      members["AX"].size() + members["BX"].size() + members["CX"].size(),
      members["AY"].size() + members["BY"].size() + members["CY"].size(),
      members["AZ"].size() + members["BZ"].size() + members["CZ"].size());
  // The customer who crosses 80% is A, so A holds at least 80% (less a
  // cent of rounding per customer) and less than 80% plus the smallest A.
  EXPECT_GE(revenue["A"] / total, 0.80 - 1e-6);
  EXPECT_LT(revenue["A"] / total, 0.80 + last_a / total + 1e-6);
  EXPECT_GE((revenue["A"] + revenue["B"]) / total, 0.95 - 1e-6);
  EXPECT_GT(members["A"].size(), 0u);
  EXPECT_GT(members["B"].size(), 0u);
  EXPECT_GT(members["C"].size(), members["A"].size());  // revenue is skewed

  // The segment streams give exactly the profiles' members, in key order.
  std::string pair = "AX";
  for (const char* p : {"AX", "AY", "AZ"}) {
    if (members[p].size() > members[pair].size()) pair = p;
  }
  for (const std::string& segment : {std::string("A"), pair}) {
    v1::StreamPersonalPicksRequest req;
    req.set_segment(segment);
    req.set_limit(3);
    req.mutable_as_of()->set_seconds(as_of);
    std::vector<v1::StreamPersonalPicksResponse> out;
    grpc::Status s = Picks({req}, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> got;
    for (const auto& r : out) {
      if (r.customer_id().empty()) continue;  // a scan's progress message
      got.push_back(r.customer_id());
      EXPECT_EQ(r.error(), "") << r.customer_id();
    }
    EXPECT_EQ(got, members[segment]) << segment;
  }

  // Items carry classes too; the indexer classified every one.
  std::map<std::string, int> item_classes;
  for (const auto& [id, rec] : *items_) {
    EXPECT_EQ(rec.abc_class().size(), 1u) << id;
    EXPECT_EQ(rec.xyz_class().size(), 1u) << id;
    ++item_classes[rec.abc_class()];
    ++item_classes[rec.xyz_class()];
  }
  for (const char* c : {"A", "B", "C"}) EXPECT_GT(item_classes[c], 0) << c;
  EXPECT_GT(item_classes["X"] + item_classes["Y"], 0);
}

TEST_F(RetentionE2eTest, BadSegmentNamesTheAcceptedOnes) {
  for (const char* bad : {"D", "XA", "ax", "AXY", "vip"}) {
    v1::StreamPersonalPicksRequest req;
    req.set_segment(bad);
    std::vector<v1::StreamPersonalPicksResponse> out;
    grpc::Status s = Picks({req}, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
    EXPECT_THAT(s.error_message(), HasSubstr("champions")) << bad;
    EXPECT_THAT(s.error_message(), HasSubstr("A, B, C, X, Y, Z")) << bad;
    EXPECT_TRUE(out.empty());
  }
}

// 6. The CLI's buyagain, due and batch-picks.
TEST_F(RetentionE2eTest, CliBuyAgainDueAndBatchPicks) {
  const std::string cli = testing::BinDir() + "/boomerang";
  const auto& cycle = (*truth_)["cycles"][0];
  const std::string customer = cycle["customer_id"], item = cycle["item_id"];
  const int64_t as_of =
      PurchaseTimes(customer, item).back() +
      static_cast<int64_t>(cycle["days"].get<double>() * kDay);
  auto r = testing::Run(
      {cli, "--server", server_->Address(), "buyagain", "--customer", customer,
       "--as-of", Iso(as_of), "--horizon-days", "60"},
      tmp_->path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["known_customer"], true);
  ASSERT_FALSE(json["items"].empty());
  bool listed = false;
  for (const auto& i : json["items"]) listed |= i["item_id"] == item;
  EXPECT_TRUE(listed) << r.out;

  // due: JSON lines, one customer each, the same customers as the stream.
  const std::string due_path = tmp_->Sub("due.jsonl");
  r = testing::Run(
      {cli, "--server", server_->Address(), "due", "--as-of", Iso(kMidYear),
       "--lead-days", "7", "--overdue-days", "3", "--out", due_path},
      tmp_->path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("customers scanned"));
  EXPECT_THAT(r.err, HasSubstr("due items"));
  EXPECT_EQ(r.out, "");
  v1::DueReplenishmentsRequest req;
  req.mutable_as_of()->set_seconds(kMidYear);
  req.set_lead_days(7);
  req.set_overdue_days(3);
  std::vector<v1::DueReplenishmentsResponse> msgs;
  ASSERT_TRUE(Due(req, &msgs).ok());
  std::vector<std::string> expected;
  for (const auto& m : msgs) {
    for (const auto& c : m.customers()) expected.push_back(c.customer_id());
  }
  std::vector<std::string> got;
  std::istringstream lines(testing::ReadAll(due_path));
  for (std::string line; std::getline(lines, line);) {
    auto c = nlohmann::json::parse(line);
    got.push_back(c["customer_id"]);
    EXPECT_FALSE(c["items"].empty()) << line;
  }
  EXPECT_EQ(got, expected);
  EXPECT_GT(got.size(), 10u);

  // batch-picks: one line per id, in the file's order.
  const std::vector<std::string> ids = {
      std::next(customers_->begin(), 5)->first, "nobody-at-all",
      customers_->begin()->first, std::prev(customers_->end())->first};
  std::string ids_text = "# customers to mail\n";
  for (const auto& id : ids) ids_text += id + "\n";
  testing::WriteFile(tmp_->Sub("ids.txt"), ids_text);
  const std::string picks_path = tmp_->Sub("picks.jsonl");
  r = testing::Run({cli, "--server", server_->Address(), "batch-picks", "--ids",
                    tmp_->Sub("ids.txt"), "--out", picks_path, "--limit", "4",
                    "--as-of", Iso(kMidYear)},
                   tmp_->path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream picks(testing::ReadAll(picks_path));
  size_t n = 0;
  for (std::string line; std::getline(picks, line); ++n) {
    auto p = nlohmann::json::parse(line);
    ASSERT_LT(n, ids.size());
    EXPECT_EQ(p["customer_id"], ids[n]);
    EXPECT_EQ(p["items"].size(), 4u) << line;
    EXPECT_EQ(p.value("fallback", false), ids[n] == "nobody-at-all") << line;
  }
  EXPECT_EQ(n, ids.size());
}

}  // namespace
}  // namespace boomerang
