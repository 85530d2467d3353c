// Trigger audiences: who should get which triggered message now, with which
// items and the evidence for them. Pure functions of one customer's events
// (views, carts, purchases, messages sent), their purchase history, the
// item graph and the live catalog; the engine (server/engine/audiences.h)
// feeds them customer by customer.
//
// The triggers and their defaults follow what the established tools ship
// (Klaviyo's and Mindbox's flows, Retail Rocket's trigger mails):
//   abandoned_cart      items added to the cart, neither bought nor removed,
//                       and no cart activity for 4 hours; carts older than
//                       7 days are stale; items must be in stock now.
//   price_drop          an item viewed or carted in the last 30 days is now
//                       at least 10% cheaper than the price the customer
//                       saw (the event's price, else the price it had then);
//                       once per customer, item and new price.
//   back_in_stock       viewed or carted while sold out in the last 30 days,
//                       in stock now.
//   browse_abandonment  at least 2 views in a session (or one item twice),
//                       no cart add or purchase since, the session at least
//                       24 hours old and at most 3 days.
//   replenishment       the due stream (server/engine/retention.h).
//   missing_complement  an item bought 3 to 60 days ago whose strong
//                       complements (in >= 25% of its orders, lift >= 3,
//                       >= 5 shared orders, not pricier than it) were not
//                       bought since (nor before: they have it), and whose
//                       category fits the customer.
//   win_back            no order for max(90 days, 2 x the customer's mean
//                       order interval).
// A customer gets at most one trigger per run: the first of the order
// above that fires and is not suppressed (the cart is the strongest intent,
// a lapsed customer the weakest). Not pushy (ContactState): nobody
// contacted within the quiet window (16 hours, any message), each trigger
// its own re-entry window, and a message key sent once is never sent again.
//
// Thread-safety: pure functions; values.
#ifndef BOOMERANG_MODELS_RANK_TRIGGERS_H_
#define BOOMERANG_MODELS_RANK_TRIGGERS_H_

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "boomerang/v1/recommender.pb.h"
#include "models/rank/item_graph.h"

namespace boomerang {

// In priority order.
enum class Trigger : int {
  kAbandonedCart = 0,
  kPriceDrop,
  kBackInStock,
  kBrowseAbandonment,
  kReplenishment,
  kMissingComplement,
  kWinBack,
};
inline constexpr int kTriggers = 7;

// "abandoned_cart", ...; ParseTrigger takes the same names (any case, '-'
// for '_').
absl::string_view TriggerName(Trigger t);
std::optional<Trigger> ParseTrigger(absl::string_view name);
// The names in priority order, comma-separated (for messages).
std::string TriggerNames();

struct TriggerOptions {
  double cart_hours = 4;
  double cart_max_days = 7;
  int browse_min_views = 2;
  double browse_hours = 24;
  double browse_max_days = 3;
  double session_gap_minutes = 30;
  double lookback_days = 30;
  double min_drop = 0.10;
  double complement_min_days = 3;
  double complement_max_days = 60;
  double complement_min_lift = 3;
  int complement_min_orders = 5;
  // The share of the item's orders that also had the complement: lift
  // alone flatters rare pairs (2% of orders at lift 3 is no habit).
  double complement_min_share = 0.25;
  double winback_min_days = 90;
  double winback_interval_factor = 2;
  int replenishment_lead_days = 7;
  double replenishment_min_probability = 0.10;
  // Any message within this many hours keeps the customer out of every
  // trigger (negative: no quiet window).
  double quiet_hours = 16;
  // Per trigger: a message of this trigger within this many hours keeps the
  // customer out of it (cart 24 h, price drop and back in stock 24 h,
  // browse 72 h, replenishment 7 days, missing complement 14 days,
  // win-back 30 days).
  std::array<double, kTriggers> reentry_hours = {24,     24,      24,     72,
                                                 7 * 24, 14 * 24, 30 * 24};
};

// The request's options over the defaults (0 keeps a default);
// INVALID_ARGUMENT naming the field for a negative or non-finite value.
absl::StatusOr<TriggerOptions> TriggerOptionsFrom(
    const v1::AudienceOptions& options, double quiet_hours);

// One event of the customer, as the triggers read it (time order).
struct ShopperEvent {
  v1::Event::Type type = v1::Event::TYPE_UNSPECIFIED;
  int64_t time = 0;     // unix seconds
  int32_t item = -1;    // dense index in the catalog, -1 unknown
  double price = 0;     // the price shown (views, carts) or paid; 0 unknown
  double quantity = 0;  // cart changes: units (0 means 1)
  std::string session;
  // MESSAGE_SENT.
  std::string trigger;
  std::string message_key;
  std::vector<int32_t> message_items;
};

// What the triggers ask of the live catalog.
class TriggerCatalog {
 public:
  virtual ~TriggerCatalog() = default;
  // The item's id (message keys use ids: indices change between
  // snapshots).
  virtual const std::string& ItemId(int32_t item) const = 0;
  // Whether the item may be messaged now (in stock and recommendable).
  virtual bool Available(int32_t item) const = 0;
  // Whether it was in stock at `time` (the catalog's history).
  virtual bool InStockAt(int32_t item, int64_t time) const = 0;
  virtual double PriceNow(int32_t item) const = 0;
  // The price it had at `time`; 0 when unknown.
  virtual double PriceAt(int32_t item, int64_t time) const = 0;
};

// One trigger item and its evidence.
struct HitItem {
  int32_t item = -1;
  int64_t event_time = 0;
  double price_before = 0;  // price_drop
  bool paid = false;        // price_drop: price_before is what they paid
  double price_now = 0;
  int32_t anchor = -1;  // missing_complement
  double lift = 0;
  double anchor_share = 0;
  double days_since_purchase = 0;
  double probability = 0;  // replenishment
  double days_until_due = 0;
  int views = 0;  // browse_abandonment
};

// Why a trigger that would have fired did not.
enum class Skip {
  kNone = 0,
  kBoughtSince,  // every trigger item was bought since the event
  kOutOfStock,   // every trigger item is sold out (or not recommendable)
};

struct TriggerHit {
  Trigger trigger = Trigger::kAbandonedCart;
  std::vector<HitItem> items;  // strongest first
  // What makes the message unique besides customer and trigger (the cart's
  // last change, the session's start, the item and its new price, ...):
  // MessageKey() builds the stable key from it.
  std::string key_part;
  // How strong the hit is within its trigger (win-back: filled by the
  // engine with the customer's value).
  double score = 0;
  // win_back: days since the last order and the threshold that applied.
  double days_since_last_order = 0;
  double threshold_days = 0;
};

struct TriggerResult {
  std::optional<TriggerHit> hit;
  Skip skip = Skip::kNone;
};

class ContactState;

// Event-driven triggers, over the customer's events in time order up to
// `as_of` (later ones are ignored). `max_items` bounds the items.
// `bought_at(item)`: the customer's last purchase of the item up to as_of
// (history and live), 0 when never: an item bought since the event leaves
// (a purchase the nightly export has may no longer be among `events`).
using LastPurchase = std::function<int64_t(int32_t)>;
TriggerResult AbandonedCart(absl::Span<const ShopperEvent> events,
                            const TriggerCatalog& catalog,
                            const LastPurchase& bought_at,
                            const TriggerOptions& options, int64_t as_of,
                            int max_items);
// `last_order`: the customer's last order up to as_of (0: none): an order
// after the session began ends it, as a cart add does.
TriggerResult BrowseAbandonment(absl::Span<const ShopperEvent> events,
                                const TriggerCatalog& catalog,
                                int64_t last_order,
                                const TriggerOptions& options, int64_t as_of,
                                int max_items);
// An item the customer bought and is due to buy again (the replenishment
// model's due list): when they last bought it and the unit price they paid
// (0: unknown; the catalog's price at that moment is used).
struct DueBought {
  int32_t item = -1;
  int64_t bought = 0;
  double price_paid = 0;
};

// `contact`: an item already told at its current price (price drop) or
// since it was seen sold out (back in stock) is left out. Price drop
// watches the items viewed or carted within the lookback (against the
// price the customer saw) and the items in `due` (against the price they
// paid, unless they looked at it since).
TriggerResult PriceDrop(absl::Span<const ShopperEvent> events,
                        absl::Span<const DueBought> due,
                        const TriggerCatalog& catalog,
                        const LastPurchase& bought_at,
                        const ContactState& contact,
                        const TriggerOptions& options, int64_t as_of,
                        int max_items);
TriggerResult BackInStock(absl::Span<const ShopperEvent> events,
                          const TriggerCatalog& catalog,
                          const LastPurchase& bought_at,
                          const ContactState& contact,
                          const TriggerOptions& options, int64_t as_of,
                          int max_items);

// A purchase of the customer's history (one per item and purchase day).
struct PurchaseOf {
  int32_t item = -1;
  int64_t time = 0;
};
// Each item's strong complements: its co-purchase neighbours that pass the
// part of missing complement's rule that does not depend on the customer
// (lift, orders, share of the item's orders), in the co-purchase list's
// order. Built once per audience run: re-scanning the lists for every
// customer was 7% of a 1M-customer run's CPU.
class StrongComplements {
 public:
  StrongComplements(const ItemGraph& graph, const TriggerOptions& options);
  // Empty for an item the graph did not have when this was built.
  absl::Span<const Neighbor> Of(int32_t anchor) const;

 private:
  std::vector<int64_t> begin_;  // per item, into pairs_; one past the end
  std::vector<Neighbor> pairs_;
};

// Strong complements of items bought complement_min_days to
// complement_max_days before as_of, none bought since. `purchases` is the
// whole history (any order). A complement's category must be one the
// customer has bought from, or the anchor's own top-level category.
// `strong`: the run's table (built from `graph` and `options`); null: the
// co-purchase lists are read here.
TriggerResult MissingComplement(const ItemGraph& graph,
                                absl::Span<const PurchaseOf> purchases,
                                const TriggerCatalog& catalog,
                                const TriggerOptions& options, int64_t as_of,
                                int max_items,
                                const StrongComplements* strong = nullptr);
// `order_times` any order; at least one order before as_of.
TriggerResult WinBack(absl::Span<const int64_t> order_times,
                      const TriggerOptions& options, int64_t as_of);

// The contact log of one customer: what was sent, when.
class ContactState {
 public:
  explicit ContactState(absl::Span<const ShopperEvent> events, int64_t as_of);
  // Sent any message within quiet_hours before as_of.
  bool Quiet(const TriggerOptions& options, int64_t as_of) const;
  // Sent this trigger within its re-entry window, or this very key.
  bool Reentry(Trigger trigger, const std::string& key,
               const TriggerOptions& options, int64_t as_of) const;
  // When a message of `trigger` naming `item` was last sent (0: never):
  // a price drop or restock is told once.
  int64_t LastSent(Trigger trigger, int32_t item) const;

 private:
  int64_t last_any_ = 0;
  std::array<int64_t, kTriggers> last_ = {};
  absl::flat_hash_set<std::string> keys_;
  // (trigger, item) -> last time, for the item-level triggers.
  absl::flat_hash_map<std::pair<int, int32_t>, int64_t> items_;
};

// "abandoned_cart:C123:1700000000": stable for the same customer, trigger
// and key part, so re-running an audience gives the same key and a sent key
// is not sent again.
std::string MessageKey(Trigger trigger, absl::string_view customer_id,
                       absl::string_view key_part);

// The top-level category ("Home" of "Home/Kitchen/Mugs").
absl::string_view TopCategory(absl::string_view category);

}  // namespace boomerang

#endif  // BOOMERANG_MODELS_RANK_TRIGGERS_H_
