#include "server/engine/live_view.h"

#include "gtest/gtest.h"
#include "tests/fakes.h"

namespace boomerang {
namespace {

using testing::FakeEventLog;
using testing::MakeEvent;

std::vector<std::string> Items(const std::vector<LiveEvent>& events) {
  std::vector<std::string> out;
  for (const LiveEvent& e : events) out.push_back(e.item_id);
  return out;
}

void Append(FakeEventLog* log, std::vector<v1::Event> events) {
  log->AppendAsync(
      std::move(events),
      [](absl::StatusOr<EventLog::AppendResult> r) { ASSERT_TRUE(r.ok()); });
}

// The view follows the log: what was there at the start (after the
// snapshot's data end) and every later append, in time order.
TEST(LiveViewTest, BuildsFromTheLogAndFollowsIt) {
  FakeEventLog log;
  Append(&log, {MakeEvent(v1::Event::PURCHASE, "c1", "old", 100, "k0"),
                MakeEvent(v1::Event::PURCHASE, "c1", "b", 300, "k1"),
                MakeEvent(v1::Event::PURCHASE, "c1", "a", 200, "k2")});
  auto view = LiveView::Build(log, /*after=*/150);
  ASSERT_TRUE(view.ok()) << view.status();
  LiveView* v = view->get();
  log.SetListener(
      [v](const std::vector<const v1::Event*>& events) { v->Add(events); });
  EXPECT_EQ(Items(v->ForCustomer("c1")), (std::vector<std::string>{"a", "b"}));
  Append(&log, {MakeEvent(v1::Event::PURCHASE, "c1", "c", 250, "k3"),
                MakeEvent(v1::Event::PURCHASE, "c2", "d", 400, "k4")});
  EXPECT_EQ(Items(v->ForCustomer("c1")),
            (std::vector<std::string>{"a", "c", "b"}));
  EXPECT_EQ(Items(v->ForCustomer("c2")), (std::vector<std::string>{"d"}));
  EXPECT_TRUE(v->ForCustomer("nobody").empty());
  EXPECT_EQ(v->events(), 4);
  EXPECT_EQ(v->customers(), 2);
}

// A newer snapshot drops what it already has; an older one (a rollback)
// gets the events back from the log.
TEST(LiveViewTest, FollowsTheServingSnapshotsDataEnd) {
  FakeEventLog log;
  Append(&log, {MakeEvent(v1::Event::PURCHASE, "c1", "a", 100, "k1"),
                MakeEvent(v1::Event::PURCHASE, "c1", "b", 200, "k2"),
                MakeEvent(v1::Event::PURCHASE, "c2", "c", 150, "k3")});
  auto view = LiveView::Build(log, 0);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ((*view)->events(), 3);
  ASSERT_TRUE((*view)->KeepAfter(log, 160).ok());
  EXPECT_EQ(Items((*view)->ForCustomer("c1")), (std::vector<std::string>{"b"}));
  EXPECT_TRUE((*view)->ForCustomer("c2").empty());
  EXPECT_EQ((*view)->customers(), 1);
  ASSERT_TRUE((*view)->KeepAfter(log, 120).ok());
  EXPECT_EQ(Items((*view)->ForCustomer("c2")), (std::vector<std::string>{"c"}));
  EXPECT_EQ((*view)->events(), 2);
  EXPECT_EQ((*view)->after(), 120);
}

// Within a second, events keep the store's order (microseconds, then key),
// whatever order they arrive in: a purchase after an add to cart in the
// same second empties the cart.
TEST(LiveViewTest, OrdersEventsWithinASecond) {
  FakeEventLog log;
  auto view = LiveView::Build(log, 0);
  ASSERT_TRUE(view.ok());
  v1::Event buy = MakeEvent(v1::Event::PURCHASE, "c1", "a", 100, "k2");
  buy.mutable_timestamp()->set_nanos(700000000);
  v1::Event cart = MakeEvent(v1::Event::ADD_TO_CART, "c1", "a", 100, "k1");
  cart.mutable_timestamp()->set_nanos(200000000);
  (*view)->Add({&buy, &cart});
  const std::vector<LiveEvent> events = (*view)->ForCustomer("c1");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, v1::Event::ADD_TO_CART);
  EXPECT_EQ(events[1].type, v1::Event::PURCHASE);
}

// The engine's order at start: the listener feeds the view before the log
// is read; what it added is kept once, with the events the read finds.
TEST(LiveViewTest, EventsAddedBeforeTheReadAreKeptOnce) {
  FakeEventLog log;
  LiveView view;
  log.SetListener(
      [&view](const std::vector<const v1::Event*>& e) { view.Add(e); });
  Append(&log, {MakeEvent(v1::Event::PURCHASE, "c1", "a", 100, "k1"),
                MakeEvent(v1::Event::PURCHASE, "c1", "old", 10, "k0")});
  EXPECT_FALSE(view.read());
  ASSERT_TRUE(view.KeepAfter(log, 50).ok());
  EXPECT_TRUE(view.read());
  EXPECT_EQ(Items(view.ForCustomer("c1")), (std::vector<std::string>{"a"}));
  EXPECT_EQ(view.events(), 1);
  log.SetListener(nullptr);
}

// A rollback whose read fails keeps the view and its bound as they were
// (a later swap tries again).
TEST(LiveViewTest, AFailedReadKeepsTheView) {
  FakeEventLog log;
  Append(&log, {MakeEvent(v1::Event::PURCHASE, "c1", "a", 100, "k1"),
                MakeEvent(v1::Event::PURCHASE, "c1", "b", 200, "k2")});
  auto view = LiveView::Build(log, 150);
  ASSERT_TRUE(view.ok());
  log.FailReplay(true);
  EXPECT_FALSE((*view)->KeepAfter(log, 50).ok());
  EXPECT_EQ((*view)->after(), 150);
  EXPECT_EQ(Items((*view)->ForCustomer("c1")), (std::vector<std::string>{"b"}));
  log.FailReplay(false);
  ASSERT_TRUE((*view)->KeepAfter(log, 50).ok());
  EXPECT_EQ(Items((*view)->ForCustomer("c1")),
            (std::vector<std::string>{"a", "b"}));
}

// An event delivered twice (a replay racing an append) is kept once.
TEST(LiveViewTest, AnEventIsInTheViewOnce) {
  FakeEventLog log;
  auto view = LiveView::Build(log, 0);
  ASSERT_TRUE(view.ok());
  const v1::Event e = MakeEvent(v1::Event::ADD_TO_CART, "c1", "a", 100, "k1");
  (*view)->Add({&e});
  (*view)->Add({&e});
  EXPECT_EQ((*view)->events(), 1);
}

// A customer keeps the newest events up to the cap.
TEST(LiveViewTest, KeepsTheNewestEventsOfACustomer) {
  FakeEventLog log;
  auto view = LiveView::Build(log, 0);
  ASSERT_TRUE(view.ok());
  const size_t n = LiveView::kMaxEventsPerCustomer + 5;
  std::vector<v1::Event> events;
  for (size_t i = 0; i < n; ++i) {
    events.push_back(MakeEvent(v1::Event::PURCHASE, "c1",
                               "i" + std::to_string(i), 1000 + i,
                               "k" + std::to_string(i)));
  }
  std::vector<const v1::Event*> pointers;
  for (const v1::Event& e : events) pointers.push_back(&e);
  (*view)->Add(pointers);
  const std::vector<LiveEvent> kept = (*view)->ForCustomer("c1");
  ASSERT_EQ(kept.size(), LiveView::kMaxEventsPerCustomer);
  EXPECT_EQ(kept.front().item_id, "i5");
  EXPECT_EQ(kept.back().item_id, "i" + std::to_string(n - 1));
  // Memory stays bounded however many come (dropped in batches).
  for (size_t i = n; i < 3 * LiveView::kMaxEventsPerCustomer; ++i) {
    const v1::Event e =
        MakeEvent(v1::Event::PURCHASE, "c1", "i" + std::to_string(i), 1000 + i,
                  "k" + std::to_string(i));
    (*view)->Add({&e});
  }
  EXPECT_LE((*view)->events(),
            static_cast<int64_t>(2 * LiveView::kMaxEventsPerCustomer));
  EXPECT_EQ((*view)->ForCustomer("c1").back().item_id,
            "i" + std::to_string(3 * LiveView::kMaxEventsPerCustomer - 1));
}

}  // namespace
}  // namespace boomerang

namespace boomerang {
namespace {

// Views, carts and messages are in no export: they stay for
// kBehaviourDays before the bound (carts and triggers need them right
// after a nightly rebuild), purchases only after it.
TEST(LiveViewTest, KeepsBehaviourForAWindowBeforeTheBound) {
  constexpr int64_t kDay = 86400;
  const int64_t bound = 100 * kDay;
  FakeEventLog log;
  Append(&log, {testing::MakeEvent(v1::Event::PURCHASE, "c1", "bought",
                                   bound - kDay, "k1"),
                testing::MakeEvent(v1::Event::ADD_TO_CART, "c1", "carted",
                                   bound - kDay, "k2"),
                testing::MakeEvent(v1::Event::VIEW, "c1", "too old",
                                   bound - 40 * kDay, "k3")});
  auto view = LiveView::Build(log, bound);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(Items((*view)->ForCustomer("c1")),
            (std::vector<std::string>{"carted"}));
  // Pruning in place follows the same rule.
  ASSERT_TRUE((*view)->KeepAfter(log, bound + 40 * kDay).ok());
  EXPECT_TRUE((*view)->ForCustomer("c1").empty());
  EXPECT_EQ((*view)->Customers(), std::vector<std::string>{});
}

}  // namespace
}  // namespace boomerang
