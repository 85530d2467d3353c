#include "models/rank/buy_again.h"

#include <vector>

#include "gtest/gtest.h"

namespace boomerang {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kNow = 1700000000;

bool All(int32_t) { return true; }

// A customer's items as plain inputs: purchase days before kNow.
struct Items {
  std::vector<std::vector<int64_t>> times;
  std::vector<std::vector<float>> quantities;
  std::vector<BoughtItem> items;
  void Add(int32_t item, std::vector<int> days_ago, ItemCycle cycle = {}) {
    std::vector<int64_t> t;
    for (auto it = days_ago.rbegin(); it != days_ago.rend(); ++it) {
      t.push_back(kNow - *it * kDay);
    }
    times.push_back(std::move(t));
    quantities.push_back(std::vector<float>(times.back().size(), 2.f));
    items.push_back(BoughtItem{item, {}, {}, cycle});
  }
  absl::Span<const BoughtItem> Get() {
    for (size_t k = 0; k < items.size(); ++k) {
      items[k].purchase_times = times[k];
      items[k].purchase_quantities = quantities[k];
    }
    return items;
  }
};

// An item due now comes before one due in a month, and an item bought
// once without a cycle fills the list after them.
TEST(BuyAgainTest, DueItemsFirstThenTheFill) {
  Items c;
  c.Add(1, {30, 60, 90, 120});  // due now, every 30 days
  c.Add(2, {5, 35, 65, 95});    // due in ~25 days
  c.Add(3, {10});               // once, no cycle
  const BuyAgainList list =
      RankBuyAgain(c.Get(), kNow, 30, 10, false, false, All);
  ASSERT_EQ(list.due.size(), 2u);
  EXPECT_EQ(list.due[0].item, 1);
  EXPECT_EQ(list.due[1].item, 2);
  EXPECT_NEAR(list.due[0].days_until_due, 0, 1);
  EXPECT_GT(list.due[0].probability, list.due[1].probability);
  EXPECT_EQ(list.due[0].orders, 4);
  EXPECT_EQ(list.due[0].typical_quantity, 2);
  ASSERT_EQ(list.fill.size(), 1u);
  EXPECT_EQ(list.fill[0].item, 3);
  EXPECT_EQ(list.fill[0].orders, 1);
  EXPECT_EQ(list.fill[0].last_purchase, kNow - 10 * kDay);
  // dated_only leaves the fill out; limit counts both parts.
  EXPECT_TRUE(
      RankBuyAgain(c.Get(), kNow, 30, 10, false, true, All).fill.empty());
  const BuyAgainList two =
      RankBuyAgain(c.Get(), kNow, 30, 2, false, false, All);
  EXPECT_EQ(two.due.size() + two.fill.size(), 2u);
}

// A habit silent for many cycles is lapsed: left out and counted, unless
// asked for.
TEST(BuyAgainTest, LapsedHabitsAreLeftOutUnlessAsked) {
  Items c;
  c.Add(1, {400, 407, 414, 421, 428, 435});  // weekly, stopped a year ago
  c.Add(2, {30, 60, 90});
  const BuyAgainList list =
      RankBuyAgain(c.Get(), kNow, 30, 10, false, true, All);
  ASSERT_EQ(list.due.size(), 1u);
  EXPECT_EQ(list.due[0].item, 2);
  EXPECT_EQ(list.lapsed, 1);
  const BuyAgainList with =
      RankBuyAgain(c.Get(), kNow, 30, 10, true, true, All);
  EXPECT_EQ(with.due.size(), 2u);
  EXPECT_EQ(with.lapsed, 0);
}

// Purchases after as_of do not count (a back-test), filtered items and
// items not in the catalog are skipped.
TEST(BuyAgainTest, AsOfFiltersAndUnknownItems) {
  Items c;
  c.Add(1, {-5, 30, 60, 90});  // one purchase in the future
  c.Add(2, {30, 60, 90});
  c.Add(-1, {30, 60, 90});
  const BuyAgainList list = RankBuyAgain(c.Get(), kNow, 30, 10, false, false,
                                         [](int32_t i) { return i != 2; });
  ASSERT_EQ(list.due.size(), 1u);
  EXPECT_EQ(list.due[0].item, 1);
  EXPECT_EQ(list.due[0].orders, 3);
  EXPECT_TRUE(list.fill.empty());
}

// The due stream's window: due within lead_days (or overdue_days late).
TEST(BuyAgainTest, DueInWindowKeepsTheWindow) {
  Items c;
  c.Add(1, {30, 60, 90, 120});   // due now
  c.Add(2, {5, 35, 65, 95});     // due in ~25 days
  c.Add(3, {40, 70, 100, 130});  // ~10 days overdue
  DueWindow window;
  window.lead_days = 7;
  std::vector<RepurchaseTiming> due = DueInWindow(c.Get(), kNow, window, All);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].item, 1);
  window.overdue_days = 14;
  due = DueInWindow(c.Get(), kNow, window, All);
  EXPECT_EQ(due.size(), 2u);
  window.max_items = 1;
  EXPECT_EQ(DueInWindow(c.Get(), kNow, window, All).size(), 1u);
}

}  // namespace
}  // namespace boomerang
