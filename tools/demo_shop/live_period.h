// The demo shop's live period: what happens after the orders file ends.
//
// GenerateLivePeriod() writes `live_days` days of shopper events (views in
// sessions with the price shown, cart adds and removals, a few purchases,
// MESSAGE_SENT contact-log entries) and catalog changes (price changes, stock
// outs, restocks, new items), and plants the customers each trigger audience
// of issue 13 should find at the period's end (the as-of moment), next to
// decoys it must leave out:
//
//   abandoned_cart      added to the cart 6 h - 3 days before as_of, not
//                       bought or removed, the item in stock. Decoys: bought
//                       it afterwards, removed it, were sent a message within
//                       the last 16 hours, or the item went out of stock.
//   browse_abandonment  2-4 views in one session 30-66 h before as_of, no cart
//                       or purchase since. Decoys: one view only; bought
//                       within 24 h of the session.
//   price_drop          one view at price P 4-6.5 days before as_of; the item
//                       is now 15-30% cheaper. Decoys: a 5% drop; bought it
//                       after the drop.
//   back_in_stock       viewed while out of stock, restocked since. Decoy:
//                       viewed while out of stock, still out.
//   missing_complement  bought a planted anchor (truth.json's complements)
//                       4-8 days before as_of in a category they had bought
//                       in, and not its complement. Decoys: bought the
//                       complement too; bought the anchor under 3 days ago.
//   win_back            no order for at least 1.15 x max(90 days, 2 x their
//                       mean order interval), nothing in the live period.
//                       Decoys: such a customer who ordered in the live
//                       period; one past 90 days but within 2 x their own
//                       interval.
//
// Each planted customer is planted for one trigger only and is kept out of
// the triggers ranked above it (no cart for browse or price-drop customers,
// single-view sessions older than three days for price drops and restocks,
// no re-buy cycle for missing-complement and win-back customers, so that
// replenishment does not claim them). Other registered customers browse and
// buy in the background; they may fall into audiences too, so a test checks
// that each planted customer is found (and each decoy is not), not that an
// audience holds nothing else.
//
// The same ShopOptions give byte-identical files; the live period draws from
// its own random streams and never changes the orders, catalog or truth.json.
//
// Thread safety: no shared state; concurrent calls are safe.

#ifndef BOOMERANG_TOOLS_DEMO_SHOP_LIVE_PERIOD_H_
#define BOOMERANG_TOOLS_DEMO_SHOP_LIVE_PERIOD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "boomerang/v1/recommender.pb.h"
#include "tools/demo_shop/demo_shop.h"

namespace boomerang::demo {

// One planted customer (expected = true) or decoy (expected = false) of a
// trigger.
struct TriggerTruth {
  std::string trigger;  // "abandoned_cart", ..., "win_back"
  std::string customer_id;
  bool expected = true;
  // Planted: "planted". Decoys: why they must be left out, e.g.
  // "bought_since", "removed", "contacted", "out_of_stock".
  std::string kind;
  // The trigger items: cart items, viewed items, the dropped or restocked
  // item, the missing complements; empty for win_back.
  std::vector<std::string> item_ids;
  int64_t event_time = 0;  // unix seconds of the firing event (0: none)
  std::string why;         // one line for people
  // price_drop: the price the customer saw and the price at as_of.
  double price_seen = 0;
  double price_now = 0;
  // missing_complement: the anchor bought.
  std::string anchor_item_id;
  // win_back: days from the last order to as_of, and max(90, 2 x interval).
  double days_since_last_order = 0;
  double threshold_days = 0;
};

struct LivePeriod {
  int64_t start = 0;  // unix seconds: the day after the orders' last day
  int64_t as_of = 0;  // start + live_days: the truths hold at this moment
  std::vector<v1::Event> events;        // time order
  std::vector<v1::ItemUpdate> updates;  // time order
  std::vector<TriggerTruth> truths;     // by trigger, planted before decoys
};

// Builds the live period of `shop` (GenerateShop's result for the same
// options, with its activity collected). Errors: InvalidArgument when
// options.live_days is 0 or the shop has no activity.
absl::StatusOr<LivePeriod> GenerateLivePeriod(const ShopOptions& options,
                                              const GeneratedShop& shop);

// One protobuf JSON object per line (proto field names, RFC 3339 times).
std::string EventsToJsonl(const std::vector<v1::Event>& events);
std::string UpdatesToJsonl(const std::vector<v1::ItemUpdate>& updates);

// The triggers_truth.json text:
//   {"seed": 42, "live_start": "2026-01-01T00:00:00Z",
//    "as_of": "2026-01-15T00:00:00Z", "live_days": 14,
//    "truths": [
//      {"trigger": "abandoned_cart", "customer_id": "C00012",
//       "expected": true, "kind": "planted", "items": ["SKU-0101"],
//       "event_time": "2026-01-13T18:02:11Z", "why": "..."}, ...]}
// Truths come by trigger (alphabetical), planted before decoys. Fields:
//   trigger      the expected trigger name
//   customer_id  each customer appears once in the file
//   expected     true: must be in the trigger's audience at as_of with
//                `items`; false: a decoy that must not be (for these items)
//   kind         "planted", or why the decoy is left out:
//                abandoned_cart: bought_since, removed, contacted (a
//                MESSAGE_SENT within 16 h of as_of), out_of_stock;
//                browse_abandonment: one_view, bought_since (within 24 h);
//                price_drop: small_drop (5%), bought_since;
//                back_in_stock: still_out_of_stock;
//                missing_complement: bought_complement, too_recent (< 3 days);
//                win_back: ordered_since (in the live period),
//                within_own_interval (over 90 days, under 2 x own interval)
//   items        cart items; the session's viewed items; the dropped or
//                restocked item; the missing complement; [] for win_back
//   event_time   what the trigger hangs on: the (first) cart add, the
//                session's first view, the view at the old price or while
//                out of stock, the anchor's purchase, the last order
//   why          one line for people
//   price_seen, price_now            price_drop only
//   anchor_item_id                   missing_complement only
//   days_since_last_order, threshold_days  win_back only (to as_of;
//                max(90, 2 x mean interval between the customer's orders))
std::string TriggersTruthToJson(const ShopOptions& options,
                                const LivePeriod& live);

}  // namespace boomerang::demo

#endif  // BOOMERANG_TOOLS_DEMO_SHOP_LIVE_PERIOD_H_
