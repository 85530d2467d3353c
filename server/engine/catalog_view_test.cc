// The live catalog as a shop notices it: UpdateItems changes what the next
// request of every list returns (stock, price, recommendable, new items),
// is idempotent, survives a restart (a new engine over the same log) and
// refuses bad input naming the update and the field.
#include "server/engine/catalog_view.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "indexer/indexer.h"
#include "models/events/event_store.h"
#include "server/engine/catalog_updates.h"
#include "server/engine/engine.h"
#include "server/engine/lists.h"
#include "server/engine/retention.h"
#include "tests/fakes.h"
#include "tests/test_util.h"

namespace boomerang {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kNow = 1704500000;  // 2024-01-06, after the data

template <typename R>
std::vector<std::string> Ids(const R& response) {
  std::vector<std::string> out;
  for (const auto& i : response.items()) out.push_back(i.item_id());
  return out;
}

v1::ItemUpdate Update(const std::string& item) {
  v1::ItemUpdate u;
  u.set_item_id(item);
  return u;
}

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Tea things bought together by ten customers; a garden hose alone.
    std::string csv = "order_id,customer_id,item_id,timestamp\n";
    for (int o = 0; o < 40; ++o) {
      const std::string id = "o" + std::to_string(o);
      const std::string c = ",c" + std::to_string(o % 10) + ",";
      csv += id + c + "CUP,2024-01-0" + std::to_string(1 + o % 3) + "\n";
      if (o % 4 != 3) csv += id + c + "SAUCER,2024-01-01\n";
      if (o % 3 == 0) csv += id + c + "TEAPOT,2024-01-01\n";
      if (o % 5 == 0) csv += id + c + "MUG,2024-01-01\n";
    }
    // Garden orders: tea things are bought together more than by chance.
    for (int o = 40; o < 80; ++o) {
      const std::string id = "o" + std::to_string(o);
      const std::string c = ",g" + std::to_string(o % 10) + ",";
      csv += id + c + "HOSE,2024-01-01\n";
      if (o % 2 == 0) csv += id + c + "GLOVES,2024-01-01\n";
    }
    IndexerOptions opts;
    opts.purchases_path = testing::WriteFile(tmp_.Sub("o.csv"), csv);
    opts.catalog_path =
        testing::WriteFile(tmp_.Sub("catalog.csv"),
                           "item_id,title,category,price,in_stock\n"
                           "CUP,Porcelain tea cup,Kitchen,6,1\n"
                           "SAUCER,Porcelain tea saucer,Kitchen,4,1\n"
                           "TEAPOT,Porcelain tea pot,Kitchen,18,1\n"
                           "MUG,Blue coffee mug,Kitchen,8,1\n"
                           "HOSE,Garden hose,Garden,15,1\n"
                           "GLOVES,Garden gloves,Garden,5,1\n");
    opts.out_root = tmp_.Sub("snaps");
    // The catalog as of the data (its file's time would be today, after
    // the tests' updates).
    opts.catalog_time = kNow - 86400;
    indexer_ = opts;
    IndexReport report;
    ASSERT_TRUE(RunIndexer(opts, &report).ok());
    auto snap = Snapshot::Open(report.snapshot_dir, SnapshotOptions());
    ASSERT_TRUE(snap.ok()) << snap.status();
    holder_.Set(*snap);
    StartEngine();
  }

  void StartEngine() {
    engine_.reset();
    ServingClock clock;
    clock.system_now = clock_.AsFunction();
    engine_ = std::make_unique<Engine>(&holder_, log(), clock);
    ASSERT_TRUE(engine_->Start().ok());
  }
  virtual EventLog* log() { return &log_; }

  absl::StatusOr<v1::UpdateItemsResponse> Send(
      std::vector<v1::ItemUpdate> updates) {
    v1::UpdateItemsRequest req;
    for (auto& u : updates) *req.add_items() = std::move(u);
    v1::UpdateItemsResponse resp;
    absl::Status s = engine_->UpdateItems(req, &resp);
    if (!s.ok()) return s;
    return resp;
  }
  void SetStock(const std::string& item, bool in_stock) {
    v1::ItemUpdate u = Update(item);
    u.set_in_stock(in_stock);
    auto r = Send({u});
    ASSERT_TRUE(r.ok()) << r.status();
  }
  void SetPrice(const std::string& item, double price) {
    v1::ItemUpdate u = Update(item);
    u.set_price(price);
    clock_.Advance(1);  // distinct moments: distinct derived keys
    auto r = Send({u});
    ASSERT_TRUE(r.ok()) << r.status();
  }

  View Acquire() {
    auto v = engine_->Acquire();
    EXPECT_TRUE(v.ok()) << v.status();
    return *v;
  }
  std::vector<std::string> Fbt(const std::string& item) {
    v1::FrequentlyBoughtTogetherRequest req;
    req.add_item_ids(item);
    v1::FrequentlyBoughtTogetherResponse resp;
    EXPECT_TRUE(FrequentlyBoughtTogether(Acquire(), req, &resp).ok());
    return Ids(resp);
  }
  std::vector<std::string> Similar(const std::string& item,
                                   double max_price = 0) {
    v1::SimilarItemsRequest req;
    req.set_item_id(item);
    req.set_limit(20);
    req.mutable_filter()->set_max_price(max_price);
    v1::RecommendationsResponse resp;
    EXPECT_TRUE(SimilarItems(Acquire(), req, &resp).ok());
    return Ids(resp);
  }
  std::vector<std::string> CrossSellOf(const std::string& item) {
    v1::CrossSellRequest req;
    req.add_item_ids(item);
    req.set_limit(20);
    v1::RecommendationsResponse resp;
    EXPECT_TRUE(CrossSell(Acquire(), req, &resp).ok());
    return Ids(resp);
  }
  std::vector<std::string> Picks(const std::string& customer) {
    v1::PersonalPicksRequest req;
    req.set_customer_id(customer);
    req.set_limit(20);
    v1::RecommendationsResponse resp;
    EXPECT_TRUE(PersonalPicks(Acquire(), req, &resp).ok());
    return Ids(resp);
  }
  std::vector<std::string> UpsellOf(const std::string& item) {
    v1::UpsellRequest req;
    req.set_item_id(item);
    req.set_limit(20);
    v1::RecommendationsResponse resp;
    EXPECT_TRUE(Upsell(Acquire(), req, &resp).ok());
    return Ids(resp);
  }

  testing::TempDir tmp_;
  IndexerOptions indexer_;
  SnapshotHolder holder_;
  testing::FakeEventLog log_;
  testing::FakeClock clock_{kNow};
  std::unique_ptr<Engine> engine_;
};

TEST_F(CatalogTest, SoldOutLeavesEveryListAndComesBackWhenRestocked) {
  ASSERT_THAT(Fbt("CUP"), Contains("SAUCER"));
  ASSERT_THAT(Similar("CUP"), Contains("SAUCER"));
  ASSERT_THAT(CrossSellOf("CUP"), Contains("SAUCER"));
  ASSERT_THAT(Picks("c1"), Contains("SAUCER"));

  SetStock("SAUCER", false);
  EXPECT_THAT(Fbt("CUP"), Not(Contains("SAUCER")));
  EXPECT_THAT(Similar("CUP"), Not(Contains("SAUCER")));
  EXPECT_THAT(CrossSellOf("CUP"), Not(Contains("SAUCER")));
  EXPECT_THAT(Picks("c1"), Not(Contains("SAUCER")));

  clock_.Advance(60);
  SetStock("SAUCER", true);
  EXPECT_THAT(Fbt("CUP"), Contains("SAUCER"));
  EXPECT_THAT(Similar("CUP"), Contains("SAUCER"));
  EXPECT_THAT(Picks("c1"), Contains("SAUCER"));
}

TEST_F(CatalogTest, ZeroStockQuantityIsSoldOut) {
  v1::ItemUpdate u = Update("SAUCER");
  u.set_stock_quantity(0);
  ASSERT_TRUE(Send({u}).ok());
  EXPECT_THAT(Fbt("CUP"), Not(Contains("SAUCER")));
  View v = Acquire();
  const v1::ItemRecord& rec = v.items().item(v.items().FindItem("SAUCER"));
  EXPECT_FALSE(rec.in_stock());
  EXPECT_EQ(rec.stock_quantity(), 0);
}

TEST_F(CatalogTest, NotRecommendableLeavesListsButStaysAnAnchor) {
  v1::ItemUpdate u = Update("SAUCER");
  u.set_recommendable(false);
  ASSERT_TRUE(Send({u}).ok());
  EXPECT_THAT(Fbt("CUP"), Not(Contains("SAUCER")));
  EXPECT_THAT(Picks("c1"), Not(Contains("SAUCER")));
  EXPECT_THAT(Fbt("SAUCER"), Contains("CUP"));
}

TEST_F(CatalogTest, PriceChangeMovesItemInAndOutOfMaxPriceAndUpsellBand) {
  ASSERT_THAT(Similar("CUP", /*max_price=*/10), Contains("SAUCER"));
  SetPrice("SAUCER", 12);
  EXPECT_THAT(Similar("CUP", 10), Not(Contains("SAUCER")));
  View v = Acquire();
  EXPECT_EQ(v.items().item(v.items().FindItem("SAUCER")).price(), 12);
  SetPrice("SAUCER", 3);
  EXPECT_THAT(Similar("CUP", 10), Contains("SAUCER"));

  // Upsell of CUP (6): the default band takes pricier kitchen items; MUG
  // (8) is in it, and leaves it when it costs 60.
  ASSERT_THAT(UpsellOf("CUP"), Contains("MUG"));
  SetPrice("MUG", 60);
  EXPECT_THAT(UpsellOf("CUP"), Not(Contains("MUG")));
  // The anchor's live price moves the band too: MUG back at 8 is no
  // upsell of CUP once CUP costs 7.9 (not pricier enough).
  SetPrice("MUG", 8);
  ASSERT_THAT(UpsellOf("CUP"), Contains("MUG"));
  SetPrice("CUP", 7.9);
  EXPECT_THAT(UpsellOf("CUP"), Not(Contains("MUG")));
}

TEST_F(CatalogTest, NewItemWithTitleAndCategoryIsRecommendableAtOnce) {
  v1::ItemUpdate u = Update("NEWCUP");
  u.set_title("Porcelain espresso cup");
  u.set_category("Kitchen");
  u.set_price(9);
  auto r = Send({u});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->new_item_ids(), Contains("NEWCUP"));
  // Its own look-alikes, by name and category, and it is among those of
  // its name-alike.
  EXPECT_THAT(Similar("NEWCUP"), Contains("CUP"));
  EXPECT_THAT(Similar("NEWCUP"), Not(Contains("HOSE")));
  EXPECT_THAT(Similar("CUP"), Contains("NEWCUP"));
  // In its category's lists, after the known items: an upsell of CUP (6)
  // can pick it (9).
  EXPECT_THAT(UpsellOf("CUP"), Contains("NEWCUP"));
  View v = Acquire();
  auto best = v.items().CategoryBestSellers("Kitchen");
  ASSERT_FALSE(best.empty());
  EXPECT_EQ(v.items().item_id(best.back()), "NEWCUP");
  // Lists with an anchor the snapshot does not know do not break.
  EXPECT_TRUE(Fbt("NEWCUP").empty());
  EXPECT_THAT(CrossSellOf("NEWCUP"), Not(Contains("NEWCUP")));
  // Sold out, it leaves the look-alikes too.
  SetStock("NEWCUP", false);
  EXPECT_THAT(Similar("CUP"), Not(Contains("NEWCUP")));
}

TEST_F(CatalogTest, DuplicateKeyIsIgnored) {
  v1::ItemUpdate u = Update("SAUCER");
  u.set_price(5);
  u.set_idempotency_key("price-1");
  auto first = Send({u});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->accepted(), 1);
  u.set_price(50);  // a different change under the same key: ignored
  auto again = Send({u});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->accepted(), 0);
  EXPECT_EQ(again->duplicates(), 1);
  View v = Acquire();
  EXPECT_EQ(v.items().item(v.items().FindItem("SAUCER")).price(), 5);

  // Without a key, the same change at the same moment is a retry.
  v1::ItemUpdate w = Update("CUP");
  w.set_price(7);
  w.mutable_timestamp()->set_seconds(kNow - 10);
  ASSERT_EQ(Send({w})->accepted(), 1);
  EXPECT_EQ(Send({w})->duplicates(), 1);
}

TEST_F(CatalogTest, KeptAcrossARestart) {
  SetStock("SAUCER", false);
  SetPrice("MUG", 11);
  StartEngine();  // a new engine replays the log
  EXPECT_THAT(Fbt("CUP"), Not(Contains("SAUCER")));
  View v = Acquire();
  EXPECT_EQ(v.items().item(v.items().FindItem("MUG")).price(), 11);
}

TEST_F(CatalogTest, PriceAtAnswersThePriceOfAMoment) {
  clock_.Set(kNow);
  SetPrice("MUG", 10);  // at kNow + 1
  clock_.Set(kNow + 100);
  SetPrice("MUG", 7);  // at kNow + 101
  View v = Acquire();
  const int32_t mug = v.items().FindItem("MUG");
  EXPECT_EQ(PriceAt(v, mug, kNow - 1000), 8);  // the catalog's
  EXPECT_EQ(PriceAt(v, mug, kNow + 50), 10);
  EXPECT_EQ(PriceAt(v, mug, kNow + 500), 7);
  const std::vector<v1::PriceChange> h = PriceHistoryOf(v, mug);
  ASSERT_GE(h.size(), 2u);
  EXPECT_EQ(h.back().from_price(), 10);
  EXPECT_EQ(h.back().to_price(), 7);
  EXPECT_EQ(h.back().source(), "update");
}

TEST_F(CatalogTest, BadInputNamesTheUpdateAndTheField) {
  struct Case {
    v1::ItemUpdate update;
    std::string message;
  };
  std::vector<Case> cases;
  v1::ItemUpdate u = Update("CUP");
  u.set_price(-1);
  cases.push_back({u, "items[1].price"});
  u = Update("CUP");
  u.set_price(std::nan(""));
  cases.push_back({u, "items[1].price"});
  cases.push_back({Update(" "), "items[1].item_id"});
  u = Update("CUP");
  u.set_title(std::string("a\0b", 3));
  cases.push_back({u, "items[1].title"});
  u = Update("CUP");
  u.set_stock_quantity(-3);
  cases.push_back({u, "items[1].stock_quantity"});
  for (const Case& c : cases) {
    v1::ItemUpdate fine = Update("MUG");
    fine.set_price(1);
    auto r = Send({fine, c.update});
    ASSERT_FALSE(r.ok()) << c.message;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr(c.message));
  }
  std::vector<v1::ItemUpdate> many(kMaxItemUpdates + 1, Update("CUP"));
  auto r = Send(many);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  // Nothing of a refused call was applied.
  View v = Acquire();
  EXPECT_EQ(v.items().item(v.items().FindItem("MUG")).price(), 8);
  EXPECT_EQ(v.catalog, nullptr);
}

TEST_F(CatalogTest, RecordEventsRefusesItemUpdates) {
  v1::RecordEventsRequest req;
  *req.add_events() =
      testing::MakeEvent(v1::Event::ITEM_UPDATE, "c1", "CUP", kNow - 10, "k");
  v1::RecordEventsResponse resp;
  absl::Status s = engine_->RecordEvents(req, &resp);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("events[0].type"));
}

// The real store: a restart of the server process opens it again.
class CatalogStoreTest : public CatalogTest {
 protected:
  void SetUp() override {
    Open();
    CatalogTest::SetUp();
  }
  void Open() {
    auto store = EventStore::Open(tmp_.Sub("events"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  // The engine stops listening before the store closes.
  void TearDown() override { engine_.reset(); }
  EventLog* log() override { return store_.get(); }
  std::unique_ptr<EventStore> store_;
};

TEST_F(CatalogStoreTest, SurvivesReopeningTheStore) {
  SetStock("SAUCER", false);
  v1::ItemUpdate u = Update("NEWCUP");
  u.set_title("Porcelain espresso cup");
  u.set_category("Kitchen");
  ASSERT_TRUE(Send({u}).ok());
  engine_.reset();
  store_.reset();
  Open();
  StartEngine();
  EXPECT_THAT(Fbt("CUP"), Not(Contains("SAUCER")));
  EXPECT_THAT(Similar("CUP"), Contains("NEWCUP"));
  // A purchase by a customer still reads (catalog updates are kept apart
  // from customers' events).
  EXPECT_THAT(Picks("c1"), Not(Contains("SAUCER")));
}

TEST_F(CatalogStoreTest, NextIndexerRunTakesTheUpdatesOnce) {
  SetPrice("MUG", 11);
  v1::ItemUpdate u = Update("NEWCUP");
  u.set_title("Porcelain espresso cup");
  u.set_category("Kitchen");
  u.set_price(9);
  clock_.Advance(1);
  ASSERT_TRUE(Send({u}).ok());
  engine_.reset();
  store_.reset();  // the indexer reads the store beside a running server too

  IndexerOptions opts = indexer_;
  opts.events_dir = tmp_.Sub("events");
  IndexReport report;
  absl::Status s = RunIndexer(opts, &report);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(report.catalog_updates, 2);
  auto snap = Snapshot::Open(report.snapshot_dir, SnapshotOptions());
  ASSERT_TRUE(snap.ok()) << snap.status();
  const Snapshot& next = **snap;
  EXPECT_EQ(next.manifest().catalog_updates(), 2);
  EXPECT_GE(CatalogTimeOf(next), kNow + 2);
  const int32_t mug = next.FindItem("MUG");
  ASSERT_GE(mug, 0);
  EXPECT_EQ(next.item(mug).price(), 11);
  auto history = next.PriceHistory(mug);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].source(), "catalog");
  EXPECT_EQ(history[1].source(), "update");
  EXPECT_EQ(history[1].from_price(), 8);
  EXPECT_EQ(history[1].to_price(), 11);
  const int32_t cup = next.FindItem("NEWCUP");
  ASSERT_GE(cup, 0);
  EXPECT_EQ(next.item(cup).category(), "Kitchen");
  // Purchases are not counted twice: the store had none after the export.
  EXPECT_EQ(next.item(next.FindItem("CUP")).orders(), 40);

  // Served, the snapshot has the updates: the server applies none again.
  holder_.Set(*snap);
  Open();
  StartEngine();
  View v = Acquire();
  EXPECT_EQ(v.catalog, nullptr);
  EXPECT_EQ(PriceHistoryOf(v, mug).size(), 2u);
  EXPECT_EQ(PriceAt(v, mug, kNow + 100), 11);
}

}  // namespace
}  // namespace boomerang
