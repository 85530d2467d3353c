// The learned ranker's inputs on tiny hand-made customers: the record cut
// at a moment (RecordBefore), the TIFU-style decayed frequency, the
// candidate sources and a few features worked by hand, and the items that
// must never be candidates (stopped habits, filtered items).
#include "models/rank/picks_features.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "models/rank/customer_history.h"
#include "models/rank/testing.h"

namespace boomerang {
namespace {

constexpr int64_t kDay = 86400;

v1::CustomerItem* Bought(v1::CustomerRecord* r, const std::string& id,
                         std::vector<int64_t> days) {
  v1::CustomerItem* ci = r->add_items();
  ci->set_item_id(id);
  for (int64_t d : days) {
    ci->add_purchase_times(d * kDay);
    ci->add_purchase_quantities(1);
  }
  ci->set_orders(static_cast<int32_t>(days.size()));
  ci->set_first_purchase(days.front() * kDay);
  ci->set_last_purchase(days.back() * kDay);
  return ci;
}

TEST(RecordBeforeTest, CutsOrdersAndPurchasesAtTheMoment) {
  v1::CustomerRecord r;
  Bought(&r, "TEA", {10, 20, 30});
  Bought(&r, "MUG", {30});
  Bought(&r, "JAM", {20});
  for (int64_t d : {10, 20, 30}) {
    r.add_order_times(d * kDay);
    r.add_order_values(5);
  }
  const v1::CustomerRecord past = RecordBefore(r, 30 * kDay);
  ASSERT_EQ(past.items_size(), 2);  // MUG only in the last order: gone
  EXPECT_EQ(past.items(0).item_id(), "TEA");
  EXPECT_EQ(past.items(0).orders(), 2);
  EXPECT_EQ(past.items(0).last_purchase(), 20 * kDay);
  EXPECT_EQ(past.items(1).item_id(), "JAM");
  EXPECT_EQ(past.order_times_size(), 2);
  EXPECT_EQ(past.last_order(), 20 * kDay);
  EXPECT_DOUBLE_EQ(past.revenue(), 10);
  EXPECT_EQ(past.vector_size(), 0);
}

TEST(DecayedOrdersTest, EachOrderCountsPointNineToTheOrdersAfterIt) {
  const std::vector<int64_t> orders = {1, 2, 3, 4};
  // Bought in orders 1 and 3 of 4: 0.9^3 + 0.9^1.
  EXPECT_NEAR(DecayedOrders({1, 3}, orders), 0.729 + 0.9, 1e-12);
  EXPECT_NEAR(DecayedOrders({4}, orders), 1.0, 1e-12);
  EXPECT_EQ(DecayedOrders({}, orders), 0);
}

class PicksCandidatesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tea_ = g_.Add("TEA", "Tea", "Kitchen", 4, 100);
    mug_ = g_.Add("MUG", "Mug", "Kitchen", 8, 50);
    jam_ = g_.Add("JAM", "Jam", "Food", 3, 40);
    pot_ = g_.Add("POT", "Teapot", "Kitchen", 20, 30);
    hat_ = g_.Add("HAT", "Hat", "Garden", 12, 500);
    g_.CoPurchase(tea_, pot_, 10, 5.f);
    g_.AddPopular(hat_, 500, /*recent=*/true);
    // Orders on days 10, 20, 30; TEA in all three, MUG in the first.
    Bought(&record_, "TEA", {10, 20, 30});
    Bought(&record_, "MUG", {10});
    for (int64_t d : {10, 20, 30}) record_.add_order_times(d * kDay);
    HistoryFromRecord(g_, record_, &history_);
    TimeHistory(g_, record_, &history_);
    times_ = PurchaseTimes(g_, record_, history_);
  }

  std::vector<PicksRow> Collect(
      int64_t as_of, const std::function<bool(int32_t)>& allowed = [](int32_t) {
        return true;
      }) {
    PicksCustomer c;
    c.history = history_;
    c.order_times = absl::MakeConstSpan(record_.order_times().data(),
                                        record_.order_times_size());
    c.purchase_times = times_;
    c.as_of = as_of;
    return CollectPicksCandidates(
        g_, c, [](int32_t) { return std::nanf(""); },
        [](int32_t, int32_t) { return 0.f; }, allowed);
  }
  const PicksRow* Row(const std::vector<PicksRow>& rows, int32_t item) {
    for (const PicksRow& r : rows) {
      if (r.item == item) return &r;
    }
    return nullptr;
  }

  testing::TinyGraph g_;
  int32_t tea_, mug_, jam_, pot_, hat_;
  v1::CustomerRecord record_;
  std::vector<HistoryItem> history_;
  std::vector<absl::Span<const int64_t>> times_;
};

TEST_F(PicksCandidatesTest, EverySourceProposesItsItemsWithTheirFeatures) {
  const auto rows = Collect(35 * kDay);
  const PicksRow* tea = Row(rows, tea_);
  ASSERT_NE(tea, nullptr);
  EXPECT_EQ(tea->sources & kSourceHistory, kSourceHistory);
  EXPECT_EQ(tea->f[kFeatRepeat], 1);
  EXPECT_EQ(tea->f[kFeatOrders], 3);
  EXPECT_FLOAT_EQ(tea->f[kFeatOrderShare], 1);
  EXPECT_FLOAT_EQ(tea->f[kFeatDecayedShare], 1);  // in every order
  EXPECT_FLOAT_EQ(tea->f[kFeatDaysSinceLast], 5);
  EXPECT_EQ(tea->f[kFeatInLastOrder], 1);
  EXPECT_EQ(tea->f[kFeatOrdersSinceLast], 0);
  const PicksRow* mug = Row(rows, mug_);
  ASSERT_NE(mug, nullptr);
  // MUG: order 1 of 3: 0.81 / (1 + 0.9 + 0.81); 2 orders since.
  EXPECT_NEAR(mug->f[kFeatDecayedShare], 0.81 / 2.71, 1e-6);
  EXPECT_EQ(mug->f[kFeatOrdersSinceLast], 2);
  EXPECT_NEAR(mug->f[kFeatLast5Share], 1.0 / 3, 1e-6);
  // The teapot is bought with the tea of the last order.
  const PicksRow* pot = Row(rows, pot_);
  ASSERT_NE(pot, nullptr);
  EXPECT_EQ(pot->sources, kSourceCooc);
  EXPECT_EQ(pot->cooc_anchor, tea_);
  EXPECT_EQ(pot->f[kFeatRepeat], 0);
  EXPECT_TRUE(std::isnan(pot->f[kFeatDaysSinceLast]));
  EXPECT_FLOAT_EQ(pot->f[kFeatCoocScore], 5);
  // Kitchen: all 4 of their item-orders.
  EXPECT_FLOAT_EQ(pot->f[kFeatCategoryShare], 1);
  // The recent best seller.
  const PicksRow* hat = Row(rows, hat_);
  ASSERT_NE(hat, nullptr);
  EXPECT_EQ(hat->sources, kSourcePopular);
  EXPECT_EQ(hat->f[kFeatRecentRank], 0);
  EXPECT_FLOAT_EQ(hat->f[kFeatCategoryShare], 0);
  // Nobody proposes the jam.
  EXPECT_EQ(Row(rows, jam_), nullptr);
}

TEST_F(PicksCandidatesTest, FilteredAndStoppedItemsAreNoCandidates) {
  // The filter keeps the teapot out, from every source.
  auto rows = Collect(35 * kDay, [&](int32_t i) { return i != pot_; });
  EXPECT_EQ(Row(rows, pot_), nullptr);
  // Ten years on, the tea habit (every 10 days) has stopped: no candidate,
  // not even as a "new" item from another source.
  rows = Collect(3650 * kDay);
  EXPECT_EQ(Row(rows, tea_), nullptr);
}

TEST_F(PicksCandidatesTest, KeepRowDropsRowsButNotTheCandidateChoice) {
  PicksCustomer c;
  c.history = history_;
  c.order_times = absl::MakeConstSpan(record_.order_times().data(),
                                      record_.order_times_size());
  c.purchase_times = times_;
  c.as_of = 35 * kDay;
  const auto rows = CollectPicksCandidates(
      g_, c, [](int32_t) { return 0.f; }, [](int32_t, int32_t) { return 0.f; },
      [](int32_t) { return true; }, PicksCandidateOptions(),
      [&](int32_t i) { return i != hat_; });
  EXPECT_EQ(Row(rows, hat_), nullptr);
  EXPECT_NE(Row(rows, tea_), nullptr);
  EXPECT_NE(Row(rows, pot_), nullptr);
}

}  // namespace
}  // namespace boomerang
