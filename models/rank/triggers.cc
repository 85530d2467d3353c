#include "models/rank/triggers.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace boomerang {
namespace {

constexpr double kHour = 3600;
constexpr double kDay = 86400;

constexpr std::array<absl::string_view, kTriggers> kNames = {
    "abandoned_cart", "price_drop",
    "back_in_stock",  "browse_abandonment",
    "replenishment",  "missing_complement",
    "win_back"};

// Keeps the first `max_items` of `items` that are available; the skip is
// kOutOfStock when there were items and none is.
TriggerResult Finish(Trigger trigger, std::vector<HitItem> items,
                     const TriggerCatalog& catalog, int max_items,
                     std::string key_part) {
  TriggerResult result;
  if (items.empty()) return result;
  std::vector<HitItem> kept;
  for (HitItem& h : items) {
    if (static_cast<int>(kept.size()) >= max_items) break;
    if (catalog.Available(h.item)) kept.push_back(std::move(h));
  }
  if (kept.empty()) {
    result.skip = Skip::kOutOfStock;
    return result;
  }
  TriggerHit hit;
  hit.trigger = trigger;
  hit.items = std::move(kept);
  hit.key_part = std::move(key_part);
  result.hit = std::move(hit);
  return result;
}

bool IsSeen(const ShopperEvent& e) {
  return e.type == v1::Event::VIEW || e.type == v1::Event::ADD_TO_CART;
}

// "item@price-in-cents,..." of the items: a key part that changes when the
// items or their prices do.
std::string ItemsKey(const TriggerCatalog& catalog,
                     const std::vector<HitItem>& items) {
  std::vector<std::string> parts;
  for (const HitItem& h : items) {
    parts.push_back(
        absl::StrCat(catalog.ItemId(h.item), "@",
                     static_cast<int64_t>(std::llround(h.price_now * 100))));
  }
  std::sort(parts.begin(), parts.end());
  return absl::StrJoin(parts, ",");
}

}  // namespace

absl::string_view TriggerName(Trigger t) { return kNames[static_cast<int>(t)]; }

std::optional<Trigger> ParseTrigger(absl::string_view name) {
  std::string n = absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
  std::replace(n.begin(), n.end(), '-', '_');
  for (int k = 0; k < kTriggers; ++k) {
    if (kNames[k] == n) return static_cast<Trigger>(k);
  }
  return std::nullopt;
}

std::string TriggerNames() { return absl::StrJoin(kNames, ", "); }

absl::StatusOr<TriggerOptions> TriggerOptionsFrom(const v1::AudienceOptions& o,
                                                  double quiet_hours) {
  TriggerOptions t;
  absl::Status bad;
  auto take = [&bad](absl::string_view field, double value, auto* out) {
    if (!bad.ok()) return;
    if (!std::isfinite(value) || value < 0 || value > 1e6) {
      bad = absl::InvalidArgumentError(
          absl::StrCat("options.", field, " must be >= 0 (0: the default)"));
      return;
    }
    if (value > 0) *out = static_cast<std::decay_t<decltype(*out)>>(value);
  };
  take("cart_hours", o.cart_hours(), &t.cart_hours);
  take("cart_max_days", o.cart_max_days(), &t.cart_max_days);
  take("cart_reentry_hours", o.cart_reentry_hours(),
       &t.reentry_hours[static_cast<int>(Trigger::kAbandonedCart)]);
  take("browse_min_views", o.browse_min_views(), &t.browse_min_views);
  take("browse_hours", o.browse_hours(), &t.browse_hours);
  take("browse_max_days", o.browse_max_days(), &t.browse_max_days);
  take("session_gap_minutes", o.session_gap_minutes(), &t.session_gap_minutes);
  take("lookback_days", o.lookback_days(), &t.lookback_days);
  take("min_drop", o.min_drop(), &t.min_drop);
  take("complement_min_days", o.complement_min_days(), &t.complement_min_days);
  take("complement_max_days", o.complement_max_days(), &t.complement_max_days);
  take("complement_min_lift", o.complement_min_lift(), &t.complement_min_lift);
  take("complement_min_orders", o.complement_min_orders(),
       &t.complement_min_orders);
  take("complement_min_share", o.complement_min_share(),
       &t.complement_min_share);
  take("winback_min_days", o.winback_min_days(), &t.winback_min_days);
  take("winback_interval_factor", o.winback_interval_factor(),
       &t.winback_interval_factor);
  take("replenishment_lead_days", o.replenishment_lead_days(),
       &t.replenishment_lead_days);
  take("replenishment_min_probability", o.replenishment_min_probability(),
       &t.replenishment_min_probability);
  if (!bad.ok()) return bad;
  if (t.min_drop >= 1) {
    return absl::InvalidArgumentError("options.min_drop must be below 1");
  }
  if (t.complement_min_days > t.complement_max_days) {
    return absl::InvalidArgumentError(
        "options.complement_min_days is after complement_max_days");
  }
  if (!std::isfinite(quiet_hours)) {
    return absl::InvalidArgumentError("quiet_hours is not a number");
  }
  if (quiet_hours != 0) t.quiet_hours = quiet_hours;
  return t;
}

TriggerResult AbandonedCart(absl::Span<const ShopperEvent> events,
                            const TriggerCatalog& catalog,
                            const LastPurchase& bought_at,
                            const TriggerOptions& options, int64_t as_of,
                            int max_items) {
  struct Line {
    int64_t added = 0;
    double price = 0;
    double units = 0;
  };
  absl::flat_hash_map<int32_t, Line> cart;
  int64_t last_change = 0;
  bool bought_from_cart = false;
  for (const ShopperEvent& e : events) {
    if (e.time > as_of) break;
    switch (e.type) {
      case v1::Event::ADD_TO_CART: {
        Line& line = cart[e.item];
        line.added = e.time;
        line.price = e.price;
        line.units += e.quantity > 0 ? e.quantity : 1;
        last_change = e.time;
        break;
      }
      case v1::Event::REMOVE_FROM_CART: {
        // Units, as the live cart counts them: removing one of three
        // leaves the item in the cart.
        auto it = cart.find(e.item);
        if (it != cart.end()) {
          it->second.units -= e.quantity > 0 ? e.quantity : 1;
          if (it->second.units <= 1e-9) cart.erase(it);
        }
        last_change = e.time;
        break;
      }
      case v1::Event::PURCHASE:
        // An order placed after the cart's last change ends the reminder:
        // what is left in the cart was left there on purpose.
        if (!cart.empty() && e.time >= last_change) {
          bought_from_cart = true;
          cart.clear();
        }
        break;
      default:
        break;
    }
  }
  // Bought since it was carted, where the purchase is only in the history
  // (the export the snapshot was built from).
  for (auto it = cart.begin(); it != cart.end();) {
    if (it->first >= 0 && bought_at(it->first) >= it->second.added) {
      bought_from_cart = true;
      cart.erase(it++);
    } else {
      ++it;
    }
  }
  TriggerResult none;
  if (cart.empty()) {
    if (bought_from_cart) none.skip = Skip::kBoughtSince;
    return none;
  }
  if (as_of - last_change < options.cart_hours * kHour) return none;
  const double oldest = as_of - options.cart_max_days * kDay;
  std::vector<HitItem> items;
  for (const auto& [item, line] : cart) {
    if (line.added < oldest || item < 0) continue;
    HitItem h;
    h.item = item;
    h.event_time = line.added;
    h.price_before = line.price;
    h.price_now = catalog.PriceNow(item);
    items.push_back(h);
  }
  std::sort(items.begin(), items.end(), [](const HitItem& a, const HitItem& b) {
    return a.event_time != b.event_time ? a.event_time > b.event_time
                                        : a.item < b.item;
  });
  return Finish(Trigger::kAbandonedCart, std::move(items), catalog, max_items,
                absl::StrCat(last_change));
}

TriggerResult BrowseAbandonment(absl::Span<const ShopperEvent> events,
                                const TriggerCatalog& catalog,
                                int64_t last_order,
                                const TriggerOptions& options, int64_t as_of,
                                int max_items) {
  struct Session {
    std::string id;
    int64_t start = 0, end = 0;
    int views = 0;
    std::vector<std::pair<int32_t, int>> items;  // item, views
  };
  std::vector<Session> sessions;
  // The latest cart add or purchase (the history's last order too).
  int64_t last_intent = last_order;
  const double gap = options.session_gap_minutes * 60;
  for (const ShopperEvent& e : events) {
    if (e.time > as_of) break;
    if (e.type == v1::Event::ADD_TO_CART || e.type == v1::Event::PURCHASE) {
      last_intent = e.time;
    }
    if (e.type != v1::Event::VIEW || e.item < 0) continue;
    Session* s = sessions.empty() ? nullptr : &sessions.back();
    const bool same = s != nullptr && s->id == e.session &&
                      (!e.session.empty() || e.time - s->end <= gap);
    if (!same) {
      sessions.push_back(Session{e.session, e.time, e.time, 0, {}});
      s = &sessions.back();
    }
    s->end = e.time;
    ++s->views;
    auto it = std::find_if(s->items.begin(), s->items.end(),
                           [&](const auto& p) { return p.first == e.item; });
    if (it == s->items.end()) {
      s->items.emplace_back(e.item, 1);
    } else {
      ++it->second;
    }
  }
  // The latest session with enough views, if it is old enough and nothing
  // was carted or bought since it began.
  for (auto s = sessions.rbegin(); s != sessions.rend(); ++s) {
    if (s->views < options.browse_min_views) continue;
    if (as_of - s->end < options.browse_hours * kHour ||
        s->start < as_of - options.browse_max_days * kDay ||
        last_intent >= s->start) {
      return {};
    }
    std::stable_sort(
        s->items.begin(), s->items.end(),
        [](const auto& a, const auto& b) { return a.second > b.second; });
    std::vector<HitItem> items;
    for (const auto& [item, views] : s->items) {
      HitItem h;
      h.item = item;
      h.event_time = s->start;
      h.views = views;
      h.price_now = catalog.PriceNow(item);
      items.push_back(h);
    }
    return Finish(Trigger::kBrowseAbandonment, std::move(items), catalog,
                  max_items, absl::StrCat(s->start));
  }
  return {};
}

TriggerResult PriceDrop(absl::Span<const ShopperEvent> events,
                        absl::Span<const DueBought> due,
                        const TriggerCatalog& catalog,
                        const LastPurchase& bought_at,
                        const ContactState& contact,
                        const TriggerOptions& options, int64_t as_of,
                        int max_items) {
  // The price the customer last saw each item at, or paid for an item due
  // again (the later of the two: a look after the purchase is the news).
  struct Before {
    int64_t when = 0;
    double price = 0;
    bool paid = false;
  };
  absl::flat_hash_map<int32_t, Before> seen;
  const double since = as_of - options.lookback_days * kDay;
  for (const ShopperEvent& e : events) {
    if (e.time > as_of) break;
    if (!IsSeen(e) || e.item < 0 || e.time < since) continue;
    const double price =
        e.price > 0 ? e.price : catalog.PriceAt(e.item, e.time);
    if (price > 0) seen[e.item] = {e.time, price, false};
  }
  for (const DueBought& d : due) {
    if (d.item < 0 || d.bought <= 0 || d.bought > as_of) continue;
    auto it = seen.find(d.item);
    if (it != seen.end() && it->second.when >= d.bought) continue;
    const double paid =
        d.price_paid > 0 ? d.price_paid : catalog.PriceAt(d.item, d.bought);
    if (paid > 0) seen[d.item] = {d.bought, paid, true};
  }
  std::vector<HitItem> items;
  bool bought = false;
  for (const auto& [item, before_seen] : seen) {
    const Before& b = before_seen;
    const double now = catalog.PriceNow(item);
    if (!(now > 0 && now <= b.price * (1 - options.min_drop))) continue;
    // Bought since the look (or again since the purchase it was due after).
    if (b.paid ? bought_at(item) > b.when : bought_at(item) >= b.when) {
      bought = true;
      continue;
    }
    // Told of this drop already: a message naming the item went out when
    // it cost no more than now.
    if (const int64_t told = contact.LastSent(Trigger::kPriceDrop, item);
        told > 0 && catalog.PriceAt(item, told) > 0 &&
        catalog.PriceAt(item, told) <= now + 1e-9) {
      continue;
    }
    HitItem h;
    h.item = item;
    h.event_time = b.when;
    h.price_before = b.price;
    h.price_now = now;
    h.paid = b.paid;
    items.push_back(h);
  }
  std::sort(items.begin(), items.end(), [](const HitItem& a, const HitItem& b) {
    const double da = 1 - a.price_now / a.price_before;
    const double db = 1 - b.price_now / b.price_before;
    return da != db ? da > db : a.item < b.item;
  });
  if (items.empty()) {
    TriggerResult r;
    if (bought) r.skip = Skip::kBoughtSince;
    return r;
  }
  TriggerResult r = Finish(Trigger::kPriceDrop, items, catalog, max_items, "");
  if (r.hit) r.hit->key_part = ItemsKey(catalog, r.hit->items);
  return r;
}

TriggerResult BackInStock(absl::Span<const ShopperEvent> events,
                          const TriggerCatalog& catalog,
                          const LastPurchase& bought_at,
                          const ContactState& contact,
                          const TriggerOptions& options, int64_t as_of,
                          int max_items) {
  // Items seen while sold out: the latest such moment.
  absl::flat_hash_map<int32_t, int64_t> sold_out_seen;
  const double since = as_of - options.lookback_days * kDay;
  for (const ShopperEvent& e : events) {
    if (e.time > as_of) break;
    if (!IsSeen(e) || e.item < 0 || e.time < since) continue;
    if (!catalog.InStockAt(e.item, e.time)) {
      sold_out_seen[e.item] = e.time;
    } else {
      sold_out_seen.erase(e.item);  // seen in stock since: no news
    }
  }
  std::vector<HitItem> items;
  bool bought = false;
  for (const auto& [item, when] : sold_out_seen) {
    if (!catalog.InStockAt(item, as_of)) continue;  // still sold out
    if (bought_at(item) >= when) {
      bought = true;
      continue;
    }
    if (contact.LastSent(Trigger::kBackInStock, item) >= when) continue;
    HitItem h;
    h.item = item;
    h.event_time = when;
    h.price_now = catalog.PriceNow(item);
    items.push_back(h);
  }
  std::sort(items.begin(), items.end(), [](const HitItem& a, const HitItem& b) {
    return a.event_time != b.event_time ? a.event_time > b.event_time
                                        : a.item < b.item;
  });
  if (items.empty()) {
    TriggerResult r;
    if (bought) r.skip = Skip::kBoughtSince;
    return r;
  }
  TriggerResult r =
      Finish(Trigger::kBackInStock, items, catalog, max_items, "");
  if (r.hit) r.hit->key_part = ItemsKey(catalog, r.hit->items);
  return r;
}

absl::string_view TopCategory(absl::string_view category) {
  return category.substr(0, category.find('/'));
}

namespace {

// The customer-independent part of the rule: a habit, not a coincidence.
bool IsStrong(const Neighbor& n, double anchor_orders,
              const TriggerOptions& options) {
  return n.lift >= options.complement_min_lift &&
         n.co_orders >= options.complement_min_orders &&
         n.co_orders >= options.complement_min_share * anchor_orders;
}

double AnchorOrders(const ItemGraph& graph, int32_t anchor) {
  return static_cast<double>(
      std::max<int64_t>(1, graph.fbt_anchor_orders(anchor)));
}

}  // namespace

StrongComplements::StrongComplements(const ItemGraph& graph,
                                     const TriggerOptions& options) {
  const int32_t n = graph.num_items();
  begin_.reserve(n + 1);
  begin_.push_back(0);
  for (int32_t a = 0; a < n; ++a) {
    const double orders = AnchorOrders(graph, a);
    for (const Neighbor& nb : graph.Fbt(a)) {
      if (IsStrong(nb, orders, options)) pairs_.push_back(nb);
    }
    begin_.push_back(static_cast<int64_t>(pairs_.size()));
  }
}

absl::Span<const Neighbor> StrongComplements::Of(int32_t anchor) const {
  if (anchor < 0 || anchor + 1 >= static_cast<int64_t>(begin_.size())) {
    return {};
  }
  return absl::MakeConstSpan(pairs_.data() + begin_[anchor],
                             begin_[anchor + 1] - begin_[anchor]);
}

TriggerResult MissingComplement(const ItemGraph& graph,
                                absl::Span<const PurchaseOf> purchases,
                                const TriggerCatalog& catalog,
                                const TriggerOptions& options, int64_t as_of,
                                int max_items,
                                const StrongComplements* strong) {
  const double newest = as_of - options.complement_min_days * kDay;
  const double oldest = as_of - options.complement_max_days * kDay;
  absl::flat_hash_map<int32_t, int64_t> last;  // item -> last purchase
  for (const PurchaseOf& p : purchases) {
    if (p.time > as_of || p.item < 0 || p.item >= graph.num_items()) continue;
    int64_t& t = last[p.item];
    t = std::max(t, p.time);
  }
  // Most customers bought nothing in the window: done before the
  // categories (this runs for every customer of an audience).
  if (std::none_of(last.begin(), last.end(), [&](const auto& item_time) {
        return item_time.second <= newest && item_time.second >= oldest;
      })) {
    return {};
  }
  absl::flat_hash_set<absl::string_view> tops;  // top categories bought
  for (const auto& [item, when] : last) {
    tops.insert(TopCategory(graph.item(item).category()));
  }
  std::vector<HitItem> items;
  absl::flat_hash_set<int32_t> listed;
  // Anchors in a fixed order (newest purchase first, then index): which
  // anchor a shared complement is listed under, and so the message key,
  // must not depend on a hash map's order.
  std::vector<std::pair<int32_t, int64_t>> anchors(last.begin(), last.end());
  std::sort(anchors.begin(), anchors.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  for (const auto& [anchor, when] : anchors) {
    if (when > newest || when < oldest) continue;
    const double orders = AnchorOrders(graph, anchor);
    const absl::Span<const Neighbor> fbt =
        strong != nullptr ? strong->Of(anchor) : graph.Fbt(anchor);
    std::vector<const Neighbor*> kept;
    bool have_one = false;
    for (const Neighbor& n : fbt) {
      if (strong == nullptr && !IsStrong(n, orders, options)) continue;
      // A complement bought since the anchor (or ever, at most a day
      // before it: the same basket) means the need is covered.
      auto it = last.find(n.item);
      if (it != last.end() && it->second >= when - kDay) {
        have_one = true;
        break;
      }
      if (it != last.end()) continue;  // they have it from before
      // An accessory costs less than what it goes with: who bought the
      // case most likely has the phone, bought elsewhere.
      const double anchor_price = graph.item(anchor).price();
      const double price = graph.item(n.item).price();
      if (anchor_price > 0 && price > anchor_price) continue;
      const absl::string_view top = TopCategory(graph.item(n.item).category());
      if (!top.empty() && !tops.contains(top)) continue;  // not their kind
      kept.push_back(&n);
    }
    if (have_one) continue;
    for (const Neighbor* n : kept) {
      if (!listed.insert(n->item).second) continue;
      HitItem h;
      h.item = n->item;
      h.anchor = anchor;
      h.event_time = when;
      h.lift = n->lift;
      h.anchor_share = n->co_orders / orders;
      h.days_since_purchase = (as_of - when) / kDay;
      h.price_now = catalog.PriceNow(n->item);
      items.push_back(h);
    }
  }
  // The strongest evidence first: the share of the anchor's orders that
  // had the complement, then lift.
  std::sort(items.begin(), items.end(), [](const HitItem& a, const HitItem& b) {
    if (a.anchor_share != b.anchor_share)
      return a.anchor_share > b.anchor_share;
    if (a.lift != b.lift) return a.lift > b.lift;
    return a.item < b.item;
  });
  if (items.empty()) return {};
  const HitItem& top = items.front();
  std::string key = absl::StrCat(graph.item_id(top.anchor), "@",
                                 static_cast<int64_t>(top.event_time / kDay));
  return Finish(Trigger::kMissingComplement, std::move(items), catalog,
                max_items, std::move(key));
}

TriggerResult WinBack(absl::Span<const int64_t> order_times,
                      const TriggerOptions& options, int64_t as_of) {
  int64_t first = INT64_MAX, last = 0;
  int n = 0;
  for (int64_t t : order_times) {
    if (t > as_of) continue;
    first = std::min(first, t);
    last = std::max(last, t);
    ++n;
  }
  if (n == 0) return {};
  const double mean_gap = n >= 2 ? (last - first) / kDay / (n - 1) : 0;
  const double threshold = std::max(options.winback_min_days,
                                    options.winback_interval_factor * mean_gap);
  const double since = (as_of - last) / kDay;
  if (since < threshold) return {};
  TriggerHit hit;
  hit.trigger = Trigger::kWinBack;
  hit.key_part = absl::StrCat(static_cast<int64_t>(last / kDay));
  hit.days_since_last_order = since;
  hit.threshold_days = threshold;
  TriggerResult r;
  r.hit = std::move(hit);
  return r;
}

ContactState::ContactState(absl::Span<const ShopperEvent> events,
                           int64_t as_of) {
  for (const ShopperEvent& e : events) {
    if (e.time > as_of) break;
    if (e.type != v1::Event::MESSAGE_SENT) continue;
    last_any_ = std::max(last_any_, e.time);
    if (!e.message_key.empty()) keys_.insert(e.message_key);
    std::optional<Trigger> t = ParseTrigger(e.trigger);
    if (!t) continue;
    const int k = static_cast<int>(*t);
    last_[k] = std::max(last_[k], e.time);
    for (int32_t item : e.message_items) {
      int64_t& when = items_[{k, item}];
      when = std::max(when, e.time);
    }
  }
}

bool ContactState::Quiet(const TriggerOptions& options, int64_t as_of) const {
  return options.quiet_hours > 0 && last_any_ > 0 &&
         as_of - last_any_ < options.quiet_hours * kHour;
}

bool ContactState::Reentry(Trigger trigger, const std::string& key,
                           const TriggerOptions& options, int64_t as_of) const {
  if (keys_.contains(key)) return true;
  const int64_t last = last_[static_cast<int>(trigger)];
  return last > 0 &&
         as_of - last <
             options.reentry_hours[static_cast<int>(trigger)] * kHour;
}

int64_t ContactState::LastSent(Trigger trigger, int32_t item) const {
  auto it = items_.find({static_cast<int>(trigger), item});
  return it == items_.end() ? 0 : it->second;
}

std::string MessageKey(Trigger trigger, absl::string_view customer_id,
                       absl::string_view key_part) {
  return absl::StrCat(TriggerName(trigger), ":", customer_id, ":", key_part);
}

}  // namespace boomerang
