#include "tools/demo_shop/live_period.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

namespace boomerang::demo {
namespace {

constexpr int64_t kMinute = 60;
constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 86400;

// Broken invariants are programmer errors (see demo_shop.cc's Check).
void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "demo_shop live period: check failed: %s\n", what);
    std::abort();
  }
}

// The generator's own PRNG (splitmix64) so that the files are the same on
// every standard library, as demo_shop.cc explains for the orders. Seeded
// from the shop's seed and a stream number the orders never use.
class LiveRng {
 public:
  LiveRng(uint64_t seed, uint64_t stream)
      : state_(seed * 0x9e3779b97f4a7c15ULL ^ (stream + 0x5bd1e995ULL)) {
    Next();
  }
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Whole seconds in [lo, hi].
  int64_t Seconds(int64_t lo, int64_t hi) { return UniformInt(lo, hi); }
  int64_t UniformInt(int64_t lo, int64_t hi) {
    return lo +
           static_cast<int64_t>(Next() % (static_cast<uint64_t>(hi - lo) + 1));
  }
  bool Bernoulli(double p) { return Uniform() < p; }

 private:
  uint64_t state_;
};

std::string Padded(absl::string_view prefix, int64_t number, int width) {
  std::string digits = absl::StrCat(number);
  std::string out(prefix);
  if (static_cast<int>(digits.size()) < width)
    out.append(width - digits.size(), '0');
  return out + digits;
}

std::string Rfc3339(int64_t seconds) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(seconds),
                          absl::UTCTimeZone());
}

std::string Money(int64_t cents) {
  return absl::StrFormat("%d.%02d", cents / 100, cents % 100);
}

// New products that appear during the live period (title, category path,
// price in cents); the category must be one of Categories().
struct NewItemSpec {
  const char* title;
  const char* category;
  int64_t price_cents;
};
constexpr NewItemSpec kNewItems[] = {
    {"Barista Milk Frother", "Kitchen/Coffee", 4999},
    {"Smart Floor Lamp", "Home/Lighting", 8999},
};

struct LiveItem {
  std::string id;
  std::string title;
  int32_t category = 0;
  int64_t price_cents = 0;
  bool in_stock = true;
  int64_t created = 0;      // new items: when they appear; 0 otherwise
  int32_t complement = -1;  // planted anchors
  bool is_complement = false;
  // Catalog changes, in the order planted (few per item): (time, value).
  std::vector<std::pair<int64_t, int64_t>> prices;
  std::vector<std::pair<int64_t, bool>> stock;
};

struct Pending {
  int64_t time;
  int64_t sequence;
  v1::Event event;
};

struct PendingUpdate {
  int64_t time;
  int64_t sequence;
  v1::ItemUpdate update;
};

class LiveBuilder {
 public:
  LiveBuilder(const ShopOptions& options, const GeneratedShop& shop);
  LivePeriod Build();

 private:
  // Catalog state at a moment.
  int64_t PriceAt(int32_t item, int64_t t) const;
  bool InStockAt(int32_t item, int64_t t) const;
  void SetPrice(int32_t item, int64_t t, int64_t cents);
  void SetStock(int32_t item, int64_t t, bool in_stock);

  // Shopper events.
  v1::Event* Add(v1::Event::Type type, int32_t customer, int32_t item,
                 int64_t t);
  void View(int32_t customer, int32_t item, int64_t t,
            const std::string& session);
  void Cart(v1::Event::Type type, int32_t customer, int32_t item, int64_t t,
            const std::string& session);
  void Buy(int32_t customer, int32_t item, int64_t t);
  void Message(int32_t customer, const std::string& trigger,
               const std::vector<int32_t>& items, int64_t t);
  // View, add to cart and buy in one session; returns the purchase time.
  int64_t ViewCartBuy(int32_t customer, int32_t item, int64_t t);
  std::string NewSession() { return Padded("live-s", ++sessions_, 6); }

  // Planted customers: the next free one (in a seeded order) that `fits`,
  // or -1. Taken customers are never planted twice or used as background.
  template <typename Fits>
  int32_t Take(Fits fits);
  bool Active(int32_t c) const {
    return activity_[c].orders >= 1 && !activity_[c].has_cycle;
  }
  double WinBackThreshold(int32_t c) const;
  double DaysSinceOrder(int32_t c) const {
    return static_cast<double>(as_of_ - activity_[c].last_any_order) / kDay;
  }
  int32_t Pop(std::vector<int32_t>* pool);
  int32_t AnyStable() {
    return stable_[rng_.UniformInt(0,
                                   static_cast<int64_t>(stable_.size()) - 1)];
  }
  TriggerTruth& Truth(absl::string_view trigger, int32_t customer,
                      absl::string_view kind, std::vector<int32_t> items,
                      int64_t event_time);

  void BuildItems();
  void PlantAbandonedCarts();
  void PlantBrowseAbandonment();
  void PlantPriceDrops();
  void PlantBackInStock();
  void PlantMissingComplements();
  void PlantWinBack();
  void AddNewItems();
  void AddBackground();
  void BackgroundSession(int32_t customer, int64_t t);

  const ShopOptions& options_;
  const GeneratedShop& shop_;
  const std::vector<CustomerActivity>& activity_;
  LiveRng rng_;
  int64_t start_ = 0;
  int64_t as_of_ = 0;
  int customer_width_ = 5;
  int planted_ = 0;  // planted customers per trigger
  int decoys_ = 0;   // decoys per kind

  std::vector<LiveItem> items_;
  std::vector<int32_t> anchors_, stable_, drop_pool_, stockout_pool_,
      initially_out_;
  std::vector<int32_t> customer_order_;
  std::vector<bool> taken_;

  std::vector<Pending> events_;
  std::vector<PendingUpdate> updates_;
  std::vector<TriggerTruth> truths_;
  int64_t sessions_ = 0;
  int64_t orders_ = 0;
};

LiveBuilder::LiveBuilder(const ShopOptions& options, const GeneratedShop& shop)
    : options_(options),
      shop_(shop),
      activity_(shop.activity),
      rng_(options.seed, /*stream=*/11) {
  start_ = absl::ToUnixSeconds(absl::FromCivil(
      absl::CivilSecond(options.start + options.days), absl::UTCTimeZone()));
  as_of_ = start_ + options.live_days * kDay;
  customer_width_ = std::max<int>(
      5, static_cast<int>(absl::StrCat(options.customers).size()));
  planted_ = std::clamp(options.customers / 100, 2, 20);
  decoys_ = planted_ >= 10 ? 2 : 1;
  // A seeded order of the customers, so planted ones are spread over ids.
  customer_order_.resize(activity_.size());
  for (size_t i = 0; i < customer_order_.size(); ++i)
    customer_order_[i] = static_cast<int32_t>(i);
  for (size_t i = customer_order_.size(); i > 1; --i) {
    std::swap(customer_order_[i - 1],
              customer_order_[rng_.UniformInt(0, static_cast<int64_t>(i) - 1)]);
  }
  taken_.assign(activity_.size(), false);
}

int64_t LiveBuilder::PriceAt(int32_t item, int64_t t) const {
  int64_t when = INT64_MIN, price = items_[item].price_cents;
  for (const auto& [time, cents] : items_[item].prices) {
    if (time <= t && time >= when) when = time, price = cents;
  }
  return price;
}

bool LiveBuilder::InStockAt(int32_t item, int64_t t) const {
  int64_t when = INT64_MIN;
  bool in_stock = items_[item].in_stock;
  for (const auto& [time, value] : items_[item].stock) {
    if (time <= t && time >= when) when = time, in_stock = value;
  }
  return in_stock;
}

void LiveBuilder::SetPrice(int32_t item, int64_t t, int64_t cents) {
  items_[item].prices.emplace_back(t, cents);
  v1::ItemUpdate u;
  u.set_item_id(items_[item].id);
  u.set_price(static_cast<double>(cents) / 100.0);
  u.mutable_timestamp()->set_seconds(t);
  updates_.push_back({t, static_cast<int64_t>(updates_.size()), u});
}

void LiveBuilder::SetStock(int32_t item, int64_t t, bool in_stock) {
  items_[item].stock.emplace_back(t, in_stock);
  v1::ItemUpdate u;
  u.set_item_id(items_[item].id);
  u.set_in_stock(in_stock);
  u.set_stock_quantity(in_stock ? 24 : 0);
  u.mutable_timestamp()->set_seconds(t);
  updates_.push_back({t, static_cast<int64_t>(updates_.size()), u});
}

v1::Event* LiveBuilder::Add(v1::Event::Type type, int32_t customer,
                            int32_t item, int64_t t) {
  Check(t >= start_ && t < as_of_, "live event outside the live period");
  Pending p{t, static_cast<int64_t>(events_.size()), {}};
  p.event.set_type(type);
  p.event.set_customer_id(Padded("C", customer + 1, customer_width_));
  p.event.set_item_id(items_[item].id);
  p.event.mutable_timestamp()->set_seconds(t);
  events_.push_back(std::move(p));
  return &events_.back().event;
}

void LiveBuilder::View(int32_t customer, int32_t item, int64_t t,
                       const std::string& session) {
  v1::Event* e = Add(v1::Event::VIEW, customer, item, t);
  e->set_price(static_cast<double>(PriceAt(item, t)) / 100.0);
  e->set_session_id(session);
}

void LiveBuilder::Cart(v1::Event::Type type, int32_t customer, int32_t item,
                       int64_t t, const std::string& session) {
  v1::Event* e = Add(type, customer, item, t);
  e->set_quantity(1);
  e->set_session_id(session);
  if (type == v1::Event::ADD_TO_CART)
    e->set_price(static_cast<double>(PriceAt(item, t)) / 100.0);
}

void LiveBuilder::Buy(int32_t customer, int32_t item, int64_t t) {
  v1::Event* e = Add(v1::Event::PURCHASE, customer, item, t);
  e->set_quantity(1);
  e->set_price(static_cast<double>(PriceAt(item, t)) / 100.0);
  e->set_order_id(Padded("L", ++orders_, 6));
}

void LiveBuilder::Message(int32_t customer, const std::string& trigger,
                          const std::vector<int32_t>& items, int64_t t) {
  // item_id carries the first item too: servers before issue 13 require
  // one on every event.
  v1::Event* e = Add(v1::Event::MESSAGE_SENT, customer, items.front(), t);
  v1::MessageSent* m = e->mutable_message();
  m->set_trigger(trigger);
  for (int32_t item : items) m->add_item_ids(items_[item].id);
  m->set_channel("email");
  m->set_message_key(
      absl::StrCat("demo-", trigger, "-", e->customer_id(), "-", t));
}

int64_t LiveBuilder::ViewCartBuy(int32_t customer, int32_t item, int64_t t) {
  const std::string session = NewSession();
  View(customer, item, t, session);
  Cart(v1::Event::ADD_TO_CART, customer, item, t + 2 * kMinute, session);
  Buy(customer, item, t + 5 * kMinute);
  return t + 5 * kMinute;
}

template <typename Fits>
int32_t LiveBuilder::Take(Fits fits) {
  // A full scan each time: a constrained take may need a customer an
  // earlier scan passed over. Planted customers are few (tens).
  for (size_t i = 0; i < customer_order_.size(); ++i) {
    const int32_t c = customer_order_[i];
    if (taken_[c] || !fits(c)) continue;
    taken_[c] = true;
    return c;
  }
  return -1;
}

double LiveBuilder::WinBackThreshold(int32_t c) const {
  const CustomerActivity& a = activity_[c];
  const double interval =
      a.orders >= 2 ? static_cast<double>(a.last_order - a.first_order) / kDay /
                          (a.orders - 1)
                    : 0;
  return std::max(90.0, 2 * interval);
}

int32_t LiveBuilder::Pop(std::vector<int32_t>* pool) {
  if (pool->empty()) return -1;
  const int32_t item = pool->back();
  pool->pop_back();
  return item;
}

TriggerTruth& LiveBuilder::Truth(absl::string_view trigger, int32_t customer,
                                 absl::string_view kind,
                                 std::vector<int32_t> items,
                                 int64_t event_time) {
  TriggerTruth truth;
  truth.trigger = std::string(trigger);
  truth.customer_id = Padded("C", customer + 1, customer_width_);
  truth.kind = std::string(kind);
  truth.expected = kind == "planted";
  for (int32_t item : items) truth.item_ids.push_back(items_[item].id);
  truth.event_time = event_time;
  truths_.push_back(std::move(truth));
  return truths_.back();
}

void LiveBuilder::BuildItems() {
  std::unordered_map<std::string, int32_t> category_index, item_index;
  for (size_t i = 0; i < shop_.category_paths.size(); ++i)
    category_index[shop_.category_paths[i]] = static_cast<int32_t>(i);
  for (const CatalogItem& c : shop_.catalog) {
    LiveItem item;
    item.id = c.item_id;
    item.title = c.title;
    auto it = category_index.find(c.category);
    Check(it != category_index.end(), "catalog item of an unknown category");
    item.category = it->second;
    item.price_cents = c.price_cents;
    item.in_stock = c.in_stock;
    item_index[item.id] = static_cast<int32_t>(items_.size());
    items_.push_back(std::move(item));
  }
  for (const ComplementTruth& pair : shop_.truth.complements) {
    const int32_t anchor = item_index.at(pair.anchor);
    const int32_t complement = item_index.at(pair.complement);
    items_[anchor].complement = complement;
    items_[complement].is_complement = true;
    anchors_.push_back(anchor);
  }
  std::vector<int32_t> regular;
  for (int32_t i = 0; i < static_cast<int32_t>(items_.size()); ++i) {
    const LiveItem& item = items_[i];
    if (!item.in_stock) {
      initially_out_.push_back(i);
    } else if (item.complement < 0 && !item.is_complement) {
      regular.push_back(i);
    }
  }
  for (size_t i = regular.size(); i > 1; --i) {
    std::swap(regular[i - 1],
              regular[rng_.UniformInt(0, static_cast<int64_t>(i) - 1)]);
  }
  // Items whose price or stock changes are each planted once; the rest
  // (stable_: never changed) carry carts and browsing. Small catalogs get
  // fewer changing items, never an empty stable pool.
  const size_t drops =
      std::min<size_t>(planted_ + 2 * decoys_, regular.size() / 4);
  const size_t stockouts =
      std::min<size_t>(planted_ + 3 * decoys_, regular.size() / 4);
  drop_pool_.assign(regular.begin(), regular.begin() + drops);
  stockout_pool_.assign(regular.begin() + drops,
                        regular.begin() + drops + stockouts);
  stable_.assign(regular.begin() + drops + stockouts, regular.end());
  Check(!stable_.empty(), "no stable items");
}

void LiveBuilder::PlantAbandonedCarts() {
  for (int i = 0; i < planted_; ++i) {
    const int32_t c = Take([&](int32_t c) { return Active(c); });
    if (c < 0) return;
    const int64_t t = as_of_ - rng_.Seconds(6 * kHour, 3 * kDay);
    const std::string session = NewSession();
    std::vector<int32_t> cart = {AnyStable()};
    if (rng_.Bernoulli(0.4)) {
      const int32_t second = AnyStable();
      if (second != cart[0]) cart.push_back(second);
    }
    for (size_t k = 0; k < cart.size(); ++k) {
      View(c, cart[k], t - static_cast<int64_t>(cart.size() - k) * 3 * kMinute,
           session);
    }
    for (size_t k = 0; k < cart.size(); ++k) {
      Cart(v1::Event::ADD_TO_CART, c, cart[k],
           t + static_cast<int64_t>(k) * kMinute, session);
    }
    Truth("abandoned_cart", c, "planted", cart, t).why =
        absl::StrCat("added to the cart ", (as_of_ - t) / kHour,
                     " hours before as_of; not bought or removed; in stock");
  }
  for (int i = 0; i < decoys_; ++i) {
    // Bought the carted item afterwards.
    int32_t c = Take([&](int32_t c) { return Active(c); });
    if (c < 0) return;
    int32_t item = AnyStable();
    int64_t t = as_of_ - rng_.Seconds(1 * kDay, 4 * kDay);
    std::string session = NewSession();
    View(c, item, t - 2 * kMinute, session);
    Cart(v1::Event::ADD_TO_CART, c, item, t, session);
    Buy(c, item, t + rng_.Seconds(30 * kMinute, 20 * kHour));
    Truth("abandoned_cart", c, "bought_since", {item}, t).why =
        "added to the cart, then bought it";
    // Removed it from the cart.
    if ((c = Take([&](int32_t c) { return Active(c); })) < 0) return;
    item = AnyStable();
    t = as_of_ - rng_.Seconds(6 * kHour, 3 * kDay);
    session = NewSession();
    View(c, item, t - 2 * kMinute, session);
    Cart(v1::Event::ADD_TO_CART, c, item, t, session);
    Cart(v1::Event::REMOVE_FROM_CART, c, item,
         t + rng_.Seconds(5 * kMinute, 3 * kHour), session);
    Truth("abandoned_cart", c, "removed", {item}, t).why =
        "added to the cart, then removed it";
    // Sent a message within the 16-hour quiet window.
    if ((c = Take([&](int32_t c) { return Active(c); })) < 0) return;
    item = AnyStable();
    t = as_of_ - rng_.Seconds(20 * kHour, 3 * kDay);
    session = NewSession();
    View(c, item, t - 2 * kMinute, session);
    Cart(v1::Event::ADD_TO_CART, c, item, t, session);
    const int64_t sent = as_of_ - rng_.Seconds(2 * kHour, 12 * kHour);
    Message(c, "abandoned_cart", {item}, sent);
    Truth("abandoned_cart", c, "contacted", {item}, t).why = absl::StrCat(
        "abandoned the cart, but was sent a message ", (as_of_ - sent) / kHour,
        " hours before as_of (quiet window 16 hours)");
    // The carted item sold out.
    if ((item = Pop(&stockout_pool_)) < 0) continue;
    if ((c = Take([&](int32_t c) { return Active(c); })) < 0) return;
    t = as_of_ - rng_.Seconds(1 * kDay, 3 * kDay);
    session = NewSession();
    View(c, item, t - 2 * kMinute, session);
    Cart(v1::Event::ADD_TO_CART, c, item, t, session);
    SetStock(item, t + rng_.Seconds(1 * kHour, 10 * kHour), false);
    Truth("abandoned_cart", c, "out_of_stock", {item}, t).why =
        "abandoned the cart, but the item went out of stock after";
  }
}

void LiveBuilder::PlantBrowseAbandonment() {
  for (int i = 0; i < planted_; ++i) {
    const int32_t c = Take([&](int32_t c) { return Active(c); });
    if (c < 0) return;
    const int views = static_cast<int>(rng_.UniformInt(2, 4));
    std::vector<int32_t> seen;
    int64_t t = as_of_ - rng_.Seconds(30 * kHour, 66 * kHour);
    const int64_t first = t;
    const std::string session = NewSession();
    for (int v = 0; v < views; ++v) {
      // Now and then the same item twice (which counts as browsing too).
      const int32_t item =
          v > 0 && rng_.Bernoulli(0.2) ? seen.front() : AnyStable();
      View(c, item, t, session);
      if (std::find(seen.begin(), seen.end(), item) == seen.end())
        seen.push_back(item);
      t += rng_.Seconds(kMinute, 4 * kMinute);
    }
    Truth("browse_abandonment", c, "planted", seen, first).why =
        absl::StrCat(views, " views in one session ", (as_of_ - first) / kHour,
                     " hours before as_of; no cart or purchase since");
  }
  for (int i = 0; i < decoys_; ++i) {
    int32_t c = Take([&](int32_t c) { return Active(c); });
    if (c < 0) return;
    int32_t item = AnyStable();
    int64_t t = as_of_ - rng_.Seconds(30 * kHour, 66 * kHour);
    View(c, item, t, NewSession());
    Truth("browse_abandonment", c, "one_view", {item}, t).why =
        "a single view: below the 2 views a session needs";

    if ((c = Take([&](int32_t c) { return Active(c); })) < 0) return;
    t = as_of_ - rng_.Seconds(30 * kHour, 66 * kHour);
    const int64_t first = t;
    const std::string session = NewSession();
    std::vector<int32_t> seen;
    for (int v = 0; v < 3; ++v, t += 2 * kMinute) {
      item = AnyStable();
      View(c, item, t, session);
      seen.push_back(item);
    }
    t += rng_.Seconds(1 * kHour, 20 * kHour);
    Cart(v1::Event::ADD_TO_CART, c, item, t, session);
    Buy(c, item, t + 3 * kMinute);
    Truth("browse_abandonment", c, "bought_since", seen, first).why =
        "3 views in a session, then bought within 24 hours";
  }
}

void LiveBuilder::PlantPriceDrops() {
  // kind, drop share, whether the customer buys after the drop
  struct Plan {
    const char* kind;
    double drop;
    bool buys;
  };
  std::vector<Plan> plans;
  for (int i = 0; i < planted_; ++i)
    plans.push_back({"planted", 0.15 + 0.05 * (i % 4), false});
  for (int i = 0; i < decoys_; ++i) {
    plans.push_back({"small_drop", 0.05, false});
    plans.push_back({"bought_since", 0.20, true});
  }
  for (const Plan& plan : plans) {
    const int32_t item = Pop(&drop_pool_);
    if (item < 0) return;
    const int32_t c = Take([&](int32_t c) { return Active(c); });
    if (c < 0) return;
    // One view (no browse session) older than browse_max_days (3).
    const int64_t seen_at =
        as_of_ - rng_.Seconds(4 * kDay, 6 * kDay + 12 * kHour);
    const int64_t price = PriceAt(item, seen_at);
    View(c, item, seen_at, NewSession());
    const int64_t dropped_at = seen_at + rng_.Seconds(6 * kHour, 2 * kDay);
    const int64_t now_price =
        std::max<int64_t>(1, std::llround(price * (1.0 - plan.drop)));
    SetPrice(item, dropped_at, now_price);
    if (plan.buys) {
      ViewCartBuy(c, item, dropped_at + rng_.Seconds(2 * kHour, 1 * kDay));
    }
    TriggerTruth& truth = Truth("price_drop", c, plan.kind, {item}, seen_at);
    truth.price_seen = static_cast<double>(price) / 100.0;
    truth.price_now = static_cast<double>(now_price) / 100.0;
    truth.why =
        absl::StrCat("viewed at ", Money(price), ", now ", Money(now_price),
                     " (-", std::llround(plan.drop * 100), "%)",
                     plan.buys ? ", and bought it since" : "");
  }
}

void LiveBuilder::PlantBackInStock() {
  // Decoys first: they prefer items out of stock in catalog.csv.
  for (int i = 0; i < planted_ + decoys_; ++i) {
    const bool restocked = i >= decoys_;
    // Half of the restocks are of items out of stock in catalog.csv, half of
    // items that sell out during the live period.
    int32_t item = i % 2 == 0 ? Pop(&initially_out_) : -1;
    const bool sells_out = item < 0;
    if (sells_out && (item = Pop(&stockout_pool_)) < 0) continue;
    const int32_t c = Take([&](int32_t c) { return Active(c); });
    if (c < 0) return;
    int64_t seen_at = as_of_ - rng_.Seconds(4 * kDay, 6 * kDay);
    if (sells_out)
      SetStock(item, seen_at - rng_.Seconds(2 * kHour, 12 * kHour), false);
    View(c, item, seen_at, NewSession());
    if (restocked) {
      const int64_t back = seen_at + rng_.Seconds(12 * kHour, 2 * kDay);
      SetStock(item, back, true);
      Truth("back_in_stock", c, "planted", {item}, seen_at).why =
          absl::StrCat("viewed while out of stock, back in stock ",
                       (as_of_ - back) / kHour, " hours before as_of");
    } else {
      Truth("back_in_stock", c, "still_out_of_stock", {item}, seen_at).why =
          "viewed while out of stock; not restocked";
    }
  }
}

void LiveBuilder::PlantMissingComplements() {
  if (anchors_.empty()) return;
  for (int i = 0; i < planted_ + 2 * decoys_; ++i) {
    const int32_t anchor = anchors_[i % anchors_.size()];
    const int32_t complement = items_[anchor].complement;
    // The category must fit the customer: one they bought in before.
    const uint32_t bit = 1u << items_[anchor].category;
    const int32_t c = Take([&](int32_t c) {
      return Active(c) && (activity_[c].categories & bit);
    });
    if (c < 0) continue;
    if (i < planted_) {
      const int64_t t = ViewCartBuy(
          c, anchor, as_of_ - rng_.Seconds(4 * kDay, 6 * kDay + 12 * kHour));
      TriggerTruth& truth =
          Truth("missing_complement", c, "planted", {complement}, t);
      truth.anchor_item_id = items_[anchor].id;
      truth.why = absl::StrCat("bought ", items_[anchor].title, " ",
                               (as_of_ - t) / kDay, " days before as_of, not ",
                               items_[complement].title);
    } else if ((i - planted_) % 2 == 0) {
      const int64_t t = ViewCartBuy(
          c, anchor, as_of_ - rng_.Seconds(4 * kDay, 6 * kDay + 12 * kHour));
      ViewCartBuy(c, complement, t + rng_.Seconds(1 * kDay, 2 * kDay));
      TriggerTruth& truth =
          Truth("missing_complement", c, "bought_complement", {complement}, t);
      truth.anchor_item_id = items_[anchor].id;
      truth.why = "bought the anchor and then its complement";
    } else {
      const int64_t t =
          ViewCartBuy(c, anchor, as_of_ - rng_.Seconds(6 * kHour, 2 * kDay));
      TriggerTruth& truth =
          Truth("missing_complement", c, "too_recent", {complement}, t);
      truth.anchor_item_id = items_[anchor].id;
      truth.why = "bought the anchor less than 3 days before as_of";
    }
  }
}

void LiveBuilder::PlantWinBack() {
  // A margin of 15% over the threshold keeps a planted customer lapsed under
  // small differences in how a server measures the interval.
  auto lapsed = [&](int32_t c) {
    return activity_[c].orders >= 2 && !activity_[c].has_cycle &&
           DaysSinceOrder(c) >= 1.15 * WinBackThreshold(c);
  };
  auto record = [&](int32_t c, absl::string_view kind, std::string why) {
    TriggerTruth& truth =
        Truth("win_back", c, kind, {}, activity_[c].last_any_order);
    truth.days_since_last_order = std::floor(DaysSinceOrder(c) * 10 + 0.5) / 10;
    truth.threshold_days = std::floor(WinBackThreshold(c) * 10 + 0.5) / 10;
    truth.why = std::move(why);
  };
  for (int i = 0; i < planted_; ++i) {
    const int32_t c = Take(lapsed);
    if (c < 0) break;
    record(c, "planted",
           absl::StrFormat("no order for %.0f days (threshold %.0f)",
                           DaysSinceOrder(c), WinBackThreshold(c)));
  }
  for (int i = 0; i < decoys_; ++i) {
    const int32_t c = Take(lapsed);
    if (c < 0) break;
    const int64_t t =
        ViewCartBuy(c, AnyStable(), as_of_ - rng_.Seconds(1 * kDay, 2 * kDay));
    record(c, "ordered_since", "lapsed, but ordered in the live period");
    truths_.back().event_time = t;
  }
  for (int i = 0; i < decoys_; ++i) {
    const int32_t c = Take([&](int32_t c) {
      return activity_[c].orders >= 2 && !activity_[c].has_cycle &&
             DaysSinceOrder(c) >= 100 &&
             WinBackThreshold(c) >= 1.15 * DaysSinceOrder(c);
    });
    if (c < 0) break;
    record(c, "within_own_interval",
           absl::StrFormat("no order for %.0f days, but orders about every "
                           "%.0f days (threshold %.0f)",
                           DaysSinceOrder(c), WinBackThreshold(c) / 2,
                           WinBackThreshold(c)));
  }
}

void LiveBuilder::AddNewItems() {
  for (const NewItemSpec& spec : kNewItems) {
    int32_t category = -1;
    for (size_t i = 0; i < shop_.category_paths.size(); ++i) {
      if (shop_.category_paths[i] == spec.category)
        category = static_cast<int32_t>(i);
    }
    Check(category >= 0, "new item of an unknown category");
    LiveItem item;
    const int width =
        std::max<int>(4, static_cast<int>(absl::StrCat(options_.items).size()));
    item.id = Padded("SKU-", static_cast<int64_t>(items_.size()) + 1, width);
    item.title = spec.title;
    item.category = category;
    item.price_cents = spec.price_cents;
    item.created = start_ + rng_.Seconds(1 * kDay, 3 * kDay);
    v1::ItemUpdate u;
    u.set_item_id(item.id);
    u.set_title(item.title);
    u.set_category(spec.category);
    u.set_price(static_cast<double>(spec.price_cents) / 100.0);
    u.set_in_stock(true);
    u.set_stock_quantity(50);
    u.mutable_timestamp()->set_seconds(item.created);
    updates_.push_back(
        {item.created, static_cast<int64_t>(updates_.size()), u});
    items_.push_back(std::move(item));
  }
}

void LiveBuilder::BackgroundSession(int32_t c, int64_t t) {
  const std::string session = NewSession();
  const int views = static_cast<int>(rng_.UniformInt(1, 5));
  int32_t last = -1;
  for (int v = 0; v < views; ++v, t += rng_.Seconds(30, 4 * kMinute)) {
    const int32_t item = static_cast<int32_t>(
        rng_.UniformInt(0, static_cast<int64_t>(items_.size()) - 1));
    if (items_[item].created > t) continue;  // not in the shop yet
    View(c, item, t, session);
    last = item;
  }
  if (last < 0 || !InStockAt(last, t) || !rng_.Bernoulli(0.3)) return;
  Cart(v1::Event::ADD_TO_CART, c, last, t, session);
  const double u = rng_.Uniform();
  const int64_t later = t + rng_.Seconds(2 * kMinute, 20 * kMinute);
  if (later >= as_of_) return;
  if (u < 0.45) {
    Buy(c, last, later);
  } else if (u < 0.6) {
    Cart(v1::Event::REMOVE_FROM_CART, c, last, later, session);
  }
}

// Other registered customers browse and buy at a rate that grows with the
// shop but stays small (at most 400 sessions a day); now and then one is
// sent a newsletter.
void LiveBuilder::AddBackground() {
  const int64_t per_day = std::clamp(options_.customers / 50, 3, 400);
  for (int64_t day = start_; day < as_of_; day += kDay) {
    for (int64_t s = 0; s < per_day; ++s) {
      int32_t c = -1;
      for (int tries = 0; tries < 20 && c < 0; ++tries) {
        const int32_t pick = static_cast<int32_t>(
            rng_.UniformInt(0, static_cast<int64_t>(taken_.size()) - 1));
        if (!taken_[pick]) c = pick;
      }
      if (c < 0) continue;
      const int64_t t = day + rng_.Seconds(7 * kHour, 22 * kHour);
      if (rng_.Bernoulli(0.05)) {
        Message(c, "newsletter", {AnyStable()}, t - kHour);
      }
      BackgroundSession(c, t);
    }
  }
}

LivePeriod LiveBuilder::Build() {
  BuildItems();
  // The order of these steps is part of the seeded output.
  PlantAbandonedCarts();
  PlantBrowseAbandonment();
  PlantPriceDrops();
  PlantBackInStock();
  PlantMissingComplements();
  PlantWinBack();
  AddNewItems();
  AddBackground();

  LivePeriod live;
  live.start = start_;
  live.as_of = as_of_;
  std::sort(
      events_.begin(), events_.end(), [](const Pending& a, const Pending& b) {
        return std::tie(a.time, a.sequence) < std::tie(b.time, b.sequence);
      });
  std::sort(updates_.begin(), updates_.end(),
            [](const PendingUpdate& a, const PendingUpdate& b) {
              return std::tie(a.time, a.sequence) <
                     std::tie(b.time, b.sequence);
            });
  // Keys follow the file order, so the same seed gives the same keys and a
  // second push of the file is all duplicates.
  for (Pending& p : events_) {
    p.event.set_idempotency_key(absl::StrCat("demo-", options_.seed, "-event-",
                                             live.events.size() + 1));
    live.events.push_back(std::move(p.event));
  }
  for (PendingUpdate& p : updates_) {
    p.update.set_idempotency_key(absl::StrCat(
        "demo-", options_.seed, "-update-", live.updates.size() + 1));
    live.updates.push_back(std::move(p.update));
  }
  std::stable_sort(truths_.begin(), truths_.end(),
                   [](const TriggerTruth& a, const TriggerTruth& b) {
                     return a.expected > b.expected;
                   });
  std::stable_sort(truths_.begin(), truths_.end(),
                   [](const TriggerTruth& a, const TriggerTruth& b) {
                     return a.trigger < b.trigger;
                   });
  live.truths = std::move(truths_);
  return live;
}

std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

template <typename Message>
std::string ToJsonl(const std::vector<Message>& messages) {
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  std::string out, line;
  for (const Message& m : messages) {
    line.clear();
    const auto status =
        google::protobuf::util::MessageToJsonString(m, &line, print);
    Check(status.ok(), "a generated message does not print as JSON");
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

}  // namespace

absl::StatusOr<LivePeriod> GenerateLivePeriod(const ShopOptions& options,
                                              const GeneratedShop& shop) {
  if (options.live_days <= 0) {
    return absl::InvalidArgumentError("live_days must be positive");
  }
  if (shop.activity.size() != static_cast<size_t>(options.customers)) {
    return absl::InvalidArgumentError(
        "the shop was generated without customer activity (live_days 0)");
  }
  return LiveBuilder(options, shop).Build();
}

std::string EventsToJsonl(const std::vector<v1::Event>& events) {
  return ToJsonl(events);
}

std::string UpdatesToJsonl(const std::vector<v1::ItemUpdate>& updates) {
  return ToJsonl(updates);
}

std::string TriggersTruthToJson(const ShopOptions& options,
                                const LivePeriod& live) {
  std::string out = absl::StrCat(
      "{\n  \"seed\": ", options.seed, ",\n  \"live_start\": \"",
      Rfc3339(live.start), "\",\n  \"as_of\": \"", Rfc3339(live.as_of),
      "\",\n  \"live_days\": ", options.live_days, ",\n  \"truths\": [");
  for (size_t i = 0; i < live.truths.size(); ++i) {
    const TriggerTruth& t = live.truths[i];
    std::vector<std::string> items;
    for (const std::string& id : t.item_ids) items.push_back(JsonString(id));
    absl::StrAppend(&out, i ? "," : "",
                    "\n    {\"trigger\": ", JsonString(t.trigger),
                    ", \"customer_id\": ", JsonString(t.customer_id),
                    ", \"expected\": ", t.expected ? "true" : "false",
                    ", \"kind\": ", JsonString(t.kind), ", \"items\": [",
                    absl::StrJoin(items, ", "), "]");
    if (t.event_time > 0) {
      absl::StrAppend(&out, ", \"event_time\": \"", Rfc3339(t.event_time),
                      "\"");
    }
    if (t.trigger == "price_drop") {
      absl::StrAppend(
          &out, absl::StrFormat(", \"price_seen\": %.2f, \"price_now\": %.2f",
                                t.price_seen, t.price_now));
    }
    if (!t.anchor_item_id.empty()) {
      absl::StrAppend(&out,
                      ", \"anchor_item_id\": ", JsonString(t.anchor_item_id));
    }
    if (t.trigger == "win_back") {
      absl::StrAppend(
          &out,
          absl::StrFormat(
              ", \"days_since_last_order\": %.1f, \"threshold_days\": %.1f",
              t.days_since_last_order, t.threshold_days));
    }
    absl::StrAppend(&out, ", \"why\": ", JsonString(t.why), "}");
  }
  absl::StrAppend(&out, live.truths.empty() ? "" : "\n  ", "]\n}\n");
  return out;
}

}  // namespace boomerang::demo
