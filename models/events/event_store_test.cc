#include "models/events/event_store.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "rocksdb/db.h"

namespace boomerang {
namespace {

class EventStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("boomerang-event-store-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static v1::Event Event(const std::string& customer, const std::string& item,
                         int64_t t, const std::string& key) {
    v1::Event e;
    e.set_type(v1::Event::PURCHASE);
    e.set_customer_id(customer);
    e.set_item_id(item);
    e.mutable_timestamp()->set_seconds(t);
    e.set_idempotency_key(key);
    return e;
  }

  // Every event in the store (-1 when it cannot be read).
  static int CountEvents(const EventStore& store) {
    int n = 0;
    const absl::Status s = store.ForEach([&n](const v1::Event&) {
      ++n;
      return true;
    });
    EXPECT_TRUE(s.ok()) << s;
    return s.ok() ? n : -1;
  }

  std::filesystem::path dir_;
};

TEST_F(EventStoreTest, StoresOnceReadsInTimeOrderAndKeepsExactCounters) {
  {
    auto store = EventStore::Open(dir_);
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_EQ((*store)->events_accepted(), 0);
    EXPECT_EQ((*store)->newest_event_time(), 0);
    auto r = (*store)->Append({Event("C1", "B", 2000, "k2"),
                               Event("C1", "A", 1000, "k1"),
                               Event("C2", "A", 3000, "k3"),
                               Event("C1", "A", 1000, "k1")});  // repeated
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->accepted, 3);
    EXPECT_EQ(r->duplicates, 1);
    r = (*store)->Append({Event("C2", "B", 500, "k3"),  // seen key
                          Event("C3", "C", 2500, "k4")});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->accepted, 1);
    EXPECT_EQ(r->duplicates, 1);
    EXPECT_EQ((*store)->events_accepted(), 4);
    EXPECT_EQ((*store)->newest_event_time(), 3000);
    EXPECT_GT((*store)->last_append_time(), 0);
    // A repeated key with a later time is not stored and moves nothing.
    r = (*store)->Append({Event("C1", "A", 9000, "k1")});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->duplicates, 1);
    EXPECT_EQ((*store)->events_accepted(), 4);
    EXPECT_EQ((*store)->newest_event_time(), 3000);

    std::vector<v1::Event> c1;
    ASSERT_TRUE((*store)->ForCustomer("C1", &c1).ok());
    ASSERT_EQ(c1.size(), 2u);
    EXPECT_EQ(c1[0].item_id(), "A");  // time order, not arrival order
    EXPECT_EQ(c1[1].item_id(), "B");
    ASSERT_TRUE((*store)->ForCustomer("C1", &c1, 1).ok());
    ASSERT_EQ(c1.size(), 1u);
    EXPECT_EQ(c1[0].item_id(), "B");  // the newest
  }
  // The counters survive a restart, and a reader sees them too.
  auto again = EventStore::Open(dir_);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->events_accepted(), 4);
  EXPECT_EQ((*again)->newest_event_time(), 3000);
  EXPECT_EQ((*again)->last_append_time(), 0);  // not in this process
  const std::string scratch = dir_.string() + "-reader";
  auto reader = EventStore::OpenReader(dir_, scratch);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->events_accepted(), 4);
  EXPECT_EQ(CountEvents(**reader), 4);
  EXPECT_FALSE((*reader)->Append({Event("C9", "A", 1, "k9")}).ok());
  reader->reset();
  std::filesystem::remove_all(scratch);
}

TEST_F(EventStoreTest, ConcurrentCallsAreGroupedAndEachKeyStoredOnce) {
  auto store = EventStore::Open(dir_);
  ASSERT_TRUE(store.ok()) << store.status();
  // 16 callers at once, 40 calls each of 5 events: 4 keys of their own and
  // one of 20 keys every caller also sends.
  constexpr int kThreads = 16, kCalls = 40;
  std::atomic<int64_t> accepted{0}, duplicates{0}, bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int c = 0; c < kCalls; ++c) {
        std::vector<v1::Event> events;
        for (int k = 0; k < 4; ++k) {
          const std::string key = "t" + std::to_string(t) + "-" +
                                  std::to_string(c) + "-" + std::to_string(k);
          events.push_back(Event("C" + std::to_string(t), "I", 1000 + c, key));
        }
        events.push_back(Event("C" + std::to_string(t), "S", 2000,
                               "shared-" + std::to_string(c % 20)));
        auto r = (*store)->Append(events);
        if (!r.ok() || r->accepted + r->duplicates != 5) {
          ++bad;
          continue;
        }
        accepted += r->accepted;
        duplicates += r->duplicates;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(accepted.load(), kThreads * kCalls * 4 + 20);
  EXPECT_EQ(duplicates.load(), kThreads * kCalls - 20);
  EXPECT_EQ((*store)->events_accepted(), kThreads * kCalls * 4 + 20);
  EXPECT_EQ((*store)->newest_event_time(), 2000);
  // Group commit: fewer synced writes than calls.
  EXPECT_LT((*store)->write_groups(), kThreads * kCalls);
  EXPECT_EQ(CountEvents(**store), kThreads * kCalls * 4 + 20);
}

TEST_F(EventStoreTest, RetentionDropsOldEventsAndTheirKeysAtCompaction) {
  std::atomic<int64_t> cutoff{0};
  EventStoreOptions options;
  options.keep_after = [&cutoff] { return cutoff.load(); };
  auto store = EventStore::Open(dir_, options);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)
                  ->Append({Event("C1", "A", 1000, "old-1"),
                            Event("C1", "B", 5000, "new-1"),
                            Event("C2", "A", 2000, "old-2")})
                  .ok());
  // And a few thousand more old ones, for the size to show it.
  std::vector<v1::Event> bulk;
  for (int i = 0; i < 3000; ++i) {
    bulk.push_back(Event("C" + std::to_string(100 + i % 50), "X", 1500,
                         "bulk-" + std::to_string(i)));
  }
  ASSERT_TRUE((*store)->Append(bulk).ok());
  ASSERT_TRUE((*store)->Compact().ok());
  EXPECT_EQ(CountEvents(**store), 3003);  // no cutoff: everything kept
  const int64_t bytes_before = (*store)->ApproximateBytes();
  cutoff = 3000;
  ASSERT_TRUE((*store)->Compact().ok());
  EXPECT_EQ(CountEvents(**store), 1);
  EXPECT_LT((*store)->ApproximateBytes(), bytes_before / 2);
  std::vector<v1::Event> c1;
  ASSERT_TRUE((*store)->ForCustomer("C1", &c1).ok());
  ASSERT_EQ(c1.size(), 1u);
  EXPECT_EQ(c1[0].item_id(), "B");
  EXPECT_EQ((*store)->events_accepted(), 3003);  // what came in
  // The newer key is still known; the dropped one is forgotten with its
  // event (a retry that late is older than any snapshot would use).
  auto r = (*store)->Append(
      {Event("C1", "B", 5000, "new-1"), Event("C1", "A", 1000, "old-1")});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->duplicates, 1);
  EXPECT_EQ(r->accepted, 1);
}

// Catalog updates (empty customer id) have their own cutoff: the serving
// snapshot's catalog time, which may be long before the events' one.
TEST_F(EventStoreTest, RetentionKeepsCatalogUpdatesTheCatalogLacks) {
  std::atomic<int64_t> catalog_cutoff{0};
  EventStoreOptions options;
  options.keep_after = [] { return int64_t{3000}; };
  options.keep_catalog_after = [&catalog_cutoff] {
    return catalog_cutoff.load();
  };
  auto store = EventStore::Open(dir_, options);
  ASSERT_TRUE(store.ok()) << store.status();
  v1::Event update = Event("", "A", 1000, "price-1");
  update.set_type(v1::Event::ITEM_UPDATE);
  update.mutable_item_update()->set_item_id("A");
  update.mutable_item_update()->set_price(2);
  ASSERT_TRUE((*store)->Append({update, Event("C1", "A", 1000, "old-1")}).ok());
  ASSERT_TRUE((*store)->Compact().ok());
  EXPECT_EQ(CountEvents(**store), 1);  // the purchase went, the update not
  catalog_cutoff = 500;                // a catalog older than the update
  ASSERT_TRUE((*store)->Compact().ok());
  EXPECT_EQ(CountEvents(**store), 1);
  catalog_cutoff = 2000;  // a snapshot whose catalog has it
  ASSERT_TRUE((*store)->Compact().ok());
  EXPECT_EQ(CountEvents(**store), 0);
}

TEST_F(EventStoreTest, AStoreWithoutCountersIsCountedOnce) {
  {
    auto store = EventStore::Open(dir_);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)
                    ->Append({Event("C1", "A", 1000, "k1"),
                              Event("C2", "A", 4000, "k2")})
                    .ok());
  }
  {
    // What a store written before the counters existed looks like.
    rocksdb::DB* db = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DBOptions opts;
    ASSERT_TRUE(rocksdb::DB::Open(opts, dir_.string(),
                                  {{rocksdb::kDefaultColumnFamilyName, {}},
                                   {"events", {}},
                                   {"keys", {}}},
                                  &handles, &db)
                    .ok());
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), "stats").ok());
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  auto store = EventStore::Open(dir_);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->events_accepted(), 2);
  EXPECT_EQ((*store)->newest_event_time(), 4000);
  ASSERT_TRUE((*store)->Append({Event("C3", "A", 2000, "k3")}).ok());
  EXPECT_EQ((*store)->events_accepted(), 3);
  EXPECT_EQ((*store)->newest_event_time(), 4000);
}

}  // namespace
}  // namespace boomerang
