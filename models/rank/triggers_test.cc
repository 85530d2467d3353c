#include "models/rank/triggers.h"

#include <map>

#include "gtest/gtest.h"
#include "models/rank/testing.h"

namespace boomerang {
namespace {

constexpr int64_t kH = 3600;
constexpr int64_t kD = 86400;
constexpr int64_t kNow = 1700000000;

// A catalog with fixed ids, stock, prices now and price/stock histories.
class FakeCatalog final : public TriggerCatalog {
 public:
  explicit FakeCatalog(int n) {
    for (int i = 0; i < n; ++i) ids_.push_back("I" + std::to_string(i));
  }
  const std::string& ItemId(int32_t i) const override { return ids_[i]; }
  bool Available(int32_t i) const override { return InStockAt(i, kNow); }
  bool InStockAt(int32_t i, int64_t t) const override {
    auto it = stock_.find(i);
    if (it == stock_.end()) return true;
    bool in = true;
    for (const auto& [when, value] : it->second) {
      if (when <= t) in = value;
    }
    return in;
  }
  double PriceNow(int32_t i) const override { return PriceAt(i, kNow); }
  double PriceAt(int32_t i, int64_t t) const override {
    double p = 10;
    auto it = prices_.find(i);
    if (it == prices_.end()) return p;
    for (const auto& [when, value] : it->second) {
      if (when <= t) p = value;
    }
    return p;
  }
  void SetPrice(int32_t i, int64_t t, double p) { prices_[i][t] = p; }
  void SetStock(int32_t i, int64_t t, bool in) { stock_[i][t] = in; }

 private:
  std::vector<std::string> ids_;
  std::map<int32_t, std::map<int64_t, double>> prices_;
  std::map<int32_t, std::map<int64_t, bool>> stock_;
};

ShopperEvent Ev(v1::Event::Type type, int64_t t, int32_t item, double price = 0,
                std::string session = "") {
  ShopperEvent e;
  e.type = type;
  e.time = t;
  e.item = item;
  e.price = price;
  e.session = std::move(session);
  return e;
}

ShopperEvent Sent(int64_t t, const std::string& trigger,
                  std::vector<int32_t> items = {}, std::string key = "") {
  ShopperEvent e;
  e.type = v1::Event::MESSAGE_SENT;
  e.time = t;
  e.trigger = trigger;
  e.message_items = std::move(items);
  e.message_key = std::move(key);
  return e;
}

const LastPurchase kNever = [](int32_t) -> int64_t { return 0; };

TEST(TriggersTest, NamesRoundTrip) {
  for (int k = 0; k < kTriggers; ++k) {
    const Trigger t = static_cast<Trigger>(k);
    EXPECT_EQ(ParseTrigger(TriggerName(t)), t);
  }
  EXPECT_EQ(ParseTrigger("Abandoned-Cart"), Trigger::kAbandonedCart);
  EXPECT_FALSE(ParseTrigger("cart").has_value());
}

TEST(TriggersTest, AbandonedCartAfterFourHoursOnly) {
  FakeCatalog catalog(3);
  TriggerOptions o;
  std::vector<ShopperEvent> events = {
      Ev(v1::Event::ADD_TO_CART, kNow - 5 * kH, 0, 9.5),
      Ev(v1::Event::ADD_TO_CART, kNow - 5 * kH + 60, 1)};
  TriggerResult r = AbandonedCart(events, catalog, kNever, o, kNow, 5);
  ASSERT_TRUE(r.hit.has_value());
  ASSERT_EQ(r.hit->items.size(), 2u);
  EXPECT_EQ(r.hit->items[0].item, 1);  // the newest add first
  EXPECT_EQ(r.hit->key_part, std::to_string(kNow - 5 * kH + 60));
  // Three hours after the last change: not yet.
  EXPECT_FALSE(AbandonedCart(events, catalog, kNever, o, kNow - 2 * kH, 5).hit);
  // Removing an item removes it; removing both leaves no cart.
  events.push_back(Ev(v1::Event::REMOVE_FROM_CART, kNow - 5 * kH + 120, 0));
  r = AbandonedCart(events, catalog, kNever, o, kNow, 5);
  ASSERT_TRUE(r.hit.has_value());
  ASSERT_EQ(r.hit->items.size(), 1u);
  EXPECT_EQ(r.hit->items[0].item, 1);
}

TEST(TriggersTest, AbandonedCartEndsWithAnOrderOrSoldOut) {
  FakeCatalog catalog(2);
  TriggerOptions o;
  std::vector<ShopperEvent> events = {
      Ev(v1::Event::ADD_TO_CART, kNow - 10 * kH, 0),
      Ev(v1::Event::PURCHASE, kNow - 9 * kH, 0)};
  TriggerResult r = AbandonedCart(events, catalog, kNever, o, kNow, 5);
  EXPECT_FALSE(r.hit);
  EXPECT_EQ(r.skip, Skip::kBoughtSince);
  FakeCatalog sold_out(2);
  sold_out.SetStock(1, kNow - kH, false);
  r = AbandonedCart({Ev(v1::Event::ADD_TO_CART, kNow - 10 * kH, 1)}, sold_out,
                    kNever, o, kNow, 5);
  EXPECT_FALSE(r.hit);
  EXPECT_EQ(r.skip, Skip::kOutOfStock);
  // A stale cart (8 days) is no reminder.
  EXPECT_FALSE(AbandonedCart({Ev(v1::Event::ADD_TO_CART, kNow - 8 * kD, 1)},
                             catalog, kNever, o, kNow, 5)
                   .hit);
  // Bought after it was carted, where only the history has the purchase
  // (the nightly export): no reminder.
  const LastPurchase bought = [](int32_t) -> int64_t { return kNow - 9 * kH; };
  r = AbandonedCart({Ev(v1::Event::ADD_TO_CART, kNow - 10 * kH, 1)}, catalog,
                    bought, o, kNow, 5);
  EXPECT_FALSE(r.hit);
  EXPECT_EQ(r.skip, Skip::kBoughtSince);
  // Removing one of two units leaves the item in the cart.
  ShopperEvent two = Ev(v1::Event::ADD_TO_CART, kNow - 10 * kH, 1);
  two.quantity = 2;
  EXPECT_TRUE(
      AbandonedCart({two, Ev(v1::Event::REMOVE_FROM_CART, kNow - 9 * kH, 1)},
                    catalog, kNever, o, kNow, 5)
          .hit);
}

TEST(TriggersTest, BrowseAbandonmentNeedsTwoViewsAndNoIntent) {
  FakeCatalog catalog(3);
  TriggerOptions o;
  const int64_t t = kNow - 30 * kH;
  // One view only: nothing. The same item twice: a session.
  EXPECT_FALSE(
      BrowseAbandonment({Ev(v1::Event::VIEW, t, 0)}, catalog, 0, o, kNow, 5)
          .hit);
  TriggerResult r = BrowseAbandonment(
      {Ev(v1::Event::VIEW, t, 0), Ev(v1::Event::VIEW, t + 300, 0)}, catalog, 0,
      o, kNow, 5);
  ASSERT_TRUE(r.hit.has_value());
  EXPECT_EQ(r.hit->items[0].views, 2);
  // Views an hour apart without a session id are two sessions.
  EXPECT_FALSE(BrowseAbandonment(
                   {Ev(v1::Event::VIEW, t, 0), Ev(v1::Event::VIEW, t + kH, 1)},
                   catalog, 0, o, kNow, 5)
                   .hit);
  // ... but one with the same session id.
  EXPECT_TRUE(BrowseAbandonment({Ev(v1::Event::VIEW, t, 0, 0, "s1"),
                                 Ev(v1::Event::VIEW, t + kH, 1, 0, "s1")},
                                catalog, 0, o, kNow, 5)
                  .hit);
  // Carted since: no browse abandonment.
  EXPECT_FALSE(BrowseAbandonment(
                   {Ev(v1::Event::VIEW, t, 0), Ev(v1::Event::VIEW, t + 60, 1),
                    Ev(v1::Event::ADD_TO_CART, t + 120, 1)},
                   catalog, 0, o, kNow, 5)
                   .hit);
  // An order after the session began (its purchase only in the history):
  // no browse abandonment either.
  EXPECT_FALSE(BrowseAbandonment(
                   {Ev(v1::Event::VIEW, t, 0), Ev(v1::Event::VIEW, t + 60, 1)},
                   catalog, t + 600, o, kNow, 5)
                   .hit);
  // Under 24 hours old: not yet.
  EXPECT_FALSE(BrowseAbandonment({Ev(v1::Event::VIEW, kNow - 2 * kH, 0),
                                  Ev(v1::Event::VIEW, kNow - 2 * kH + 60, 1)},
                                 catalog, 0, o, kNow, 5)
                   .hit);
}

TEST(TriggersTest, PriceDropAgainstThePriceSeen) {
  FakeCatalog catalog(3);
  TriggerOptions o;
  ContactState none({}, kNow);
  catalog.SetPrice(0, kNow - 2 * kD, 8.5);  // 10 -> 8.5: -15%
  catalog.SetPrice(1, kNow - 2 * kD, 9.5);  // 10 -> 9.5: -5%, too small
  std::vector<ShopperEvent> events = {Ev(v1::Event::VIEW, kNow - 5 * kD, 0),
                                      Ev(v1::Event::VIEW, kNow - 5 * kD, 1)};
  TriggerResult r = PriceDrop(events, {}, catalog, kNever, none, o, kNow, 5);
  ASSERT_TRUE(r.hit.has_value());
  ASSERT_EQ(r.hit->items.size(), 1u);
  EXPECT_EQ(r.hit->items[0].item, 0);
  EXPECT_DOUBLE_EQ(r.hit->items[0].price_before, 10);
  EXPECT_DOUBLE_EQ(r.hit->items[0].price_now, 8.5);
  EXPECT_EQ(r.hit->key_part, "I0@850");
  // The price the event says it showed wins over the catalog's: shown at
  // 9 (a discount then), 8.5 now is under 10% less.
  events = {Ev(v1::Event::VIEW, kNow - 5 * kD, 0, 9.0)};
  EXPECT_FALSE(PriceDrop(events, {}, catalog, kNever, none, o, kNow, 5).hit);
  // Bought since the view: left out.
  events = {Ev(v1::Event::VIEW, kNow - 5 * kD, 0)};
  r = PriceDrop(
      events, {}, catalog, [](int32_t) -> int64_t { return kNow - kD; }, none,
      o, kNow, 5);
  EXPECT_FALSE(r.hit);
  EXPECT_EQ(r.skip, Skip::kBoughtSince);
  // Told at this price already: once per drop; a further drop is news.
  ContactState told({Sent(kNow - kD, "price_drop", {0})}, kNow);
  EXPECT_FALSE(PriceDrop(events, {}, catalog, kNever, told, o, kNow, 5).hit);
  catalog.SetPrice(0, kNow - kH, 7.0);
  EXPECT_TRUE(PriceDrop(events, {}, catalog, kNever, told, o, kNow, 5).hit);
  // Older than the 30-day lookback: nothing.
  events = {Ev(v1::Event::VIEW, kNow - 31 * kD, 0)};
  EXPECT_FALSE(PriceDrop(events, {}, catalog, kNever, none, o, kNow, 5).hit);
}

TEST(TriggersTest, PriceDropOnAnItemDueAgainAgainstThePricePaid) {
  FakeCatalog catalog(3);
  TriggerOptions o;
  ContactState none({}, kNow);
  catalog.SetPrice(0, kNow - 3 * kD, 8.0);  // 10 -> 8: -20%
  catalog.SetPrice(1, kNow - 3 * kD, 9.5);  // -5%: too small
  const int64_t bought = kNow - 50 * kD;    // before the 30-day lookback
  // Paid 10 (the catalog's price then: no price on the purchase).
  std::vector<DueBought> due = {{0, bought, 0}, {1, bought, 0}};
  const LastPurchase last = [&](int32_t) { return bought; };
  TriggerResult r = PriceDrop({}, due, catalog, last, none, o, kNow, 5);
  ASSERT_TRUE(r.hit.has_value());
  ASSERT_EQ(r.hit->items.size(), 1u);
  EXPECT_EQ(r.hit->items[0].item, 0);
  EXPECT_TRUE(r.hit->items[0].paid);
  EXPECT_EQ(r.hit->items[0].event_time, bought);
  EXPECT_DOUBLE_EQ(r.hit->items[0].price_before, 10);
  EXPECT_DOUBLE_EQ(r.hit->items[0].price_now, 8);
  // The price on the purchase wins: paid 8.5 (a discount), 8 is no news.
  due = {{0, bought, 8.5}};
  EXPECT_FALSE(PriceDrop({}, due, catalog, last, none, o, kNow, 5).hit);
  // Bought again since: not due any more, and "bought since" if it is.
  due = {{0, bought, 0}};
  r = PriceDrop(
      {}, due, catalog, [](int32_t) -> int64_t { return kNow - kD; }, none, o,
      kNow, 5);
  EXPECT_FALSE(r.hit);
  EXPECT_EQ(r.skip, Skip::kBoughtSince);
  // Looked at since the purchase, at the new price: measured against the
  // look, so no drop.
  std::vector<ShopperEvent> events = {Ev(v1::Event::VIEW, kNow - 2 * kD, 0)};
  EXPECT_FALSE(PriceDrop(events, due, catalog, last, none, o, kNow, 5).hit);
  // Told of this drop already.
  ContactState told({Sent(kNow - kD, "price_drop", {0})}, kNow);
  EXPECT_FALSE(PriceDrop({}, due, catalog, last, told, o, kNow, 5).hit);
}

TEST(TriggersTest, BackInStockWhenSeenSoldOut) {
  FakeCatalog catalog(2);
  TriggerOptions o;
  ContactState none({}, kNow);
  catalog.SetStock(0, kNow - 10 * kD, false);
  catalog.SetStock(0, kNow - kD, true);
  std::vector<ShopperEvent> events = {Ev(v1::Event::VIEW, kNow - 5 * kD, 0),
                                      Ev(v1::Event::VIEW, kNow - 5 * kD, 1)};
  TriggerResult r = BackInStock(events, catalog, kNever, none, o, kNow, 5);
  ASSERT_TRUE(r.hit.has_value());
  ASSERT_EQ(r.hit->items.size(), 1u);  // item 1 was never sold out
  EXPECT_EQ(r.hit->items[0].item, 0);
  // Seen in stock again since: no news.
  std::vector<ShopperEvent> again = events;
  again.push_back(Ev(v1::Event::VIEW, kNow - 12 * kH, 0));
  EXPECT_FALSE(BackInStock(again, catalog, kNever, none, o, kNow, 5).hit);
  // Still sold out: nothing yet.
  EXPECT_FALSE(
      BackInStock(events, catalog, kNever, none, o, kNow - 2 * kD, 5).hit);
  // Told since: not again.
  ContactState told({Sent(kNow - kH, "back_in_stock", {0})}, kNow);
  EXPECT_FALSE(BackInStock(events, catalog, kNever, told, o, kNow, 5).hit);
}

TEST(TriggersTest, MissingComplementNeedsStrongEvidenceAndFit) {
  testing::TinyGraph g;
  const int32_t phone = g.Add("P", "phone", "Electronics/Phones", 300, 100);
  const int32_t strong_case =
      g.Add("C", "phone case", "Electronics/Accessories", 15, 50);
  const int32_t weak = g.Add("W", "cable", "Electronics/Accessories", 5, 40);
  const int32_t tyre = g.Add("T", "tyre", "Car/Tyres", 80, 40);
  g.CoPurchase(phone, strong_case, 30, 6.0f);
  g.CoPurchase(phone, weak, 3, 8.0f);   // too few orders
  g.CoPurchase(phone, tyre, 20, 5.0f);  // a category they never buy
  const int32_t rare = g.Add("R", "stand", "Electronics/Accessories", 9, 40);
  g.CoPurchase(phone, rare, 6, 9.0f);  // in 6% of the phone's orders
  FakeCatalog catalog(5);
  TriggerOptions o;
  std::vector<PurchaseOf> bought = {{phone, kNow - 5 * kD}};
  TriggerResult r = MissingComplement(g, bought, catalog, o, kNow, 5);
  ASSERT_TRUE(r.hit.has_value());
  ASSERT_EQ(r.hit->items.size(), 1u);
  EXPECT_EQ(r.hit->items[0].item, strong_case);
  EXPECT_EQ(r.hit->items[0].anchor, phone);
  EXPECT_NEAR(r.hit->items[0].anchor_share, 0.3, 1e-9);
  // The run's table of strong complements gives the same answer.
  const StrongComplements table(g, o);
  // The case only: the tyre is in 20% of the phone's 100 orders.
  EXPECT_EQ(table.Of(phone).size(), 1u);
  EXPECT_TRUE(table.Of(weak).empty());
  EXPECT_TRUE(table.Of(99).empty());  // an item added since
  TriggerResult with_table =
      MissingComplement(g, bought, catalog, o, kNow, 5, &table);
  ASSERT_TRUE(with_table.hit.has_value());
  ASSERT_EQ(with_table.hit->items.size(), 1u);
  EXPECT_EQ(with_table.hit->items[0].item, strong_case);
  EXPECT_EQ(with_table.hit->key_part, r.hit->key_part);
  // Who bought the case is not told to buy a phone: accessories only.
  g.CoPurchase(strong_case, phone, 30, 6.0f);
  EXPECT_FALSE(
      MissingComplement(g, {{strong_case, kNow - 5 * kD}}, catalog, o, kNow, 5)
          .hit);
  // Bought two days ago: too soon; 70 days ago: too late.
  EXPECT_FALSE(
      MissingComplement(g, {{phone, kNow - 2 * kD}}, catalog, o, kNow, 5).hit);
  EXPECT_FALSE(
      MissingComplement(g, {{phone, kNow - 70 * kD}}, catalog, o, kNow, 5).hit);
  // The case bought since: covered.
  bought.push_back({strong_case, kNow - 4 * kD});
  EXPECT_FALSE(MissingComplement(g, bought, catalog, o, kNow, 5).hit);
}

TEST(TriggersTest, WinBackAfterTheLongerOfNinetyDaysAndTwiceTheInterval) {
  TriggerOptions o;
  // Gaps of 60, 60 and 80 days: threshold 2 x 66.7 = 133.3 days.
  std::vector<int64_t> orders = {kNow - 300 * kD, kNow - 240 * kD,
                                 kNow - 180 * kD, kNow - 100 * kD};
  EXPECT_FALSE(WinBack(orders, o, kNow + 30 * kD).hit);  // 130 days
  TriggerResult r = WinBack(orders, o, kNow + 40 * kD);
  ASSERT_TRUE(r.hit.has_value());
  EXPECT_NEAR(r.hit->threshold_days, 133.33, 0.01);
  // One order 95 days ago: the 90-day floor.
  EXPECT_TRUE(WinBack({kNow - 95 * kD}, o, kNow).hit);
  EXPECT_FALSE(WinBack({kNow - 85 * kD}, o, kNow).hit);
}

TEST(TriggersTest, ContactLogQuietWindowReentryAndKeys) {
  TriggerOptions o;
  ContactState c({Sent(kNow - 10 * kH, "win_back", {}, "win_back:C1:19000")},
                 kNow);
  EXPECT_TRUE(c.Quiet(o, kNow));            // 10 h < 16 h
  EXPECT_FALSE(c.Quiet(o, kNow + 7 * kH));  // 17 h
  EXPECT_TRUE(c.Reentry(Trigger::kWinBack, "x", o, kNow + 7 * kH));  // 30 d
  EXPECT_FALSE(c.Reentry(Trigger::kAbandonedCart, "x", o, kNow + 7 * kH));
  // A key sent once is never sent again, whatever the window.
  EXPECT_TRUE(
      c.Reentry(Trigger::kWinBack, "win_back:C1:19000", o, kNow + 400 * kD));
  o.quiet_hours = -1;
  EXPECT_FALSE(c.Quiet(o, kNow));
}

TEST(TriggersTest, OptionsRejectBadValues) {
  v1::AudienceOptions a;
  a.set_min_drop(-0.1);
  EXPECT_FALSE(TriggerOptionsFrom(a, 0).ok());
  a.set_min_drop(0.2);
  auto o = TriggerOptionsFrom(a, 0);
  ASSERT_TRUE(o.ok());
  EXPECT_DOUBLE_EQ(o->min_drop, 0.2);
  EXPECT_DOUBLE_EQ(o->quiet_hours, 16);
  EXPECT_DOUBLE_EQ(TriggerOptionsFrom(a, -1)->quiet_hours, -1);
}

}  // namespace
}  // namespace boomerang
